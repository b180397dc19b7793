//! Every command's `--help` ends with examples, and every example parses with the real flags:
//! a new command without an "Examples:" section, or an example using a flag that was renamed,
//! fails here.
use clap::CommandFactory;

/// Split an example line the way a shell would, as far as our examples need: quotes, `#`
/// comments, and an end at a pipe or a redirection (`> file`, `3<pass`).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                has = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    cur.push(q);
                }
            }
            ' ' | '\t' => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            '#' if !has => break,
            _ => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    let end = out
        .iter()
        .position(|w| {
            w == "|"
                || w.trim_start_matches(|c: char| c.is_ascii_digit())
                    .starts_with(['<', '>'])
        })
        .unwrap_or(out.len());
    out.truncate(end);
    out
}

/// The example commands after the last "Examples:" (or "Example:", "Example (…):") heading:
/// continuation lines (ending in `\`) joined, comment-only lines skipped.
fn examples(help: &str) -> Option<Vec<String>> {
    let lines_all: Vec<&str> = help.lines().collect();
    let at = lines_all
        .iter()
        .rposition(|l| l.starts_with("Example") && l.trim_end().ends_with(':'))?;
    let mut lines = Vec::new();
    let mut cur = String::new();
    for l in &lines_all[at + 1..] {
        let l = l.trim();
        if let Some(start) = l.strip_suffix('\\') {
            cur.push_str(start.trim_end());
            cur.push(' ');
            continue;
        }
        cur.push_str(l);
        if !cur.trim().is_empty() && !cur.trim_start().starts_with('#') {
            lines.push(std::mem::take(&mut cur));
        }
        cur.clear();
    }
    Some(lines)
}

fn walk(cmd: &mut clap::Command, path: Vec<String>, seen: &mut Vec<String>) {
    let name = path.join(" ");
    let help = cmd.render_long_help().to_string();
    let ex = examples(&help).unwrap_or_else(|| {
        panic!("`{name} --help` has no \"Examples:\" section at its end:\n{help}")
    });
    let own: Vec<&String> = ex.iter().filter(|l| l.starts_with(&name)).collect();
    assert!(
        !own.is_empty(),
        "`{name} --help`: no example starts with `{name}`:\n{help}"
    );
    // Examples come last: nothing after them but example lines.
    for l in &ex {
        assert!(
            l.starts_with("airsign"),
            "`{name} --help`: {l:?} after the examples"
        );
        let argv = words(l);
        if let Err(e) = airsign::cli::Cli::try_parse_from(&argv) {
            use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
            assert!(
                matches!(e.kind(), DisplayHelp | DisplayVersion),
                "`{name} --help` example does not parse: {l}\n{argv:?}\n{e}"
            );
        }
    }
    seen.push(name);
    let subs: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_owned())
        .collect();
    for s in subs {
        let sub = cmd.find_subcommand_mut(&s).unwrap();
        let mut p = path.clone();
        p.push(s);
        walk(sub, p, seen);
    }
}

use clap::Parser;

#[test]
fn every_command_ends_its_help_with_examples_that_parse() {
    // At clap's widest default: an example longer than the screen would wrap and break.
    let mut cmd = airsign::cli::Cli::command().term_width(100);
    cmd.build();
    let mut seen = Vec::new();
    walk(&mut cmd, vec!["airsign".into()], &mut seen);
    // The walk did reach the leaves.
    for must in [
        "airsign seed verify-backup",
        "airsign bundle create",
        "airsign log reconcile",
        "airsign man",
    ] {
        assert!(
            seen.iter().any(|s| s == must),
            "{must} not walked: {seen:?}"
        );
    }
    assert!(seen.len() > 40, "{}", seen.len());
}

#[test]
fn the_example_splitter_stops_at_redirections() {
    assert_eq!(
        words("airsign a --x 'b c' 3<pass > out # note"),
        ["airsign", "a", "--x", "b c"]
    );
    assert_eq!(words("airsign man | man -l -"), ["airsign", "man"]);
    let ex = examples("x\n\nExamples:\n  # c\n  airsign a \\\n      --b\n  airsign c\n").unwrap();
    assert_eq!(ex, ["airsign a --b", "airsign c"]);
    let ex = examples("x\nExample (on both laptops):\n  airsign d f\n").unwrap();
    assert_eq!(ex, ["airsign d f"]);
    assert!(examples("Examples are below.\n  airsign x\n").is_none());
}
