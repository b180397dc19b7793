//! `airsign demo`: run the library's demo scenario in a folder and narrate it.
use std::path::PathBuf;

use super::{print_json, println_out};
use crate::cli::DemoArgs;
use crate::demo::{self, Narration};
use crate::screen::review_text;
use crate::Error;

pub fn run(a: DemoArgs) -> Result<(), Error> {
    let _tmp;
    let dir: PathBuf = match a.dir {
        Some(d) => {
            std::fs::create_dir_all(&d).map_err(|e| Error::io("create", &d, e))?;
            d
        }
        None => {
            _tmp = tempfile::Builder::new()
                .prefix("airsign-demo-")
                .tempdir()
                .map_err(|e| Error::io("create", "a temporary folder", e))?;
            _tmp.path().to_path_buf()
        }
    };
    let quiet = a.json;
    let mut step = |s: &str| {
        if !quiet {
            eprintln!("==> {s}");
        }
    };
    let mut review = |r: &crate::bundle::Review, v: &crate::policy::Verdict| {
        if !quiet {
            eprint!(
                "{}",
                crate::screen::for_stream(review_text(r, Some(v)), true)
            );
        }
    };
    let d = demo::run(
        &dir,
        !a.no_qr,
        &mut Narration {
            step: &mut step,
            review: &mut review,
        },
    )?;
    if a.json {
        return print_json(&d);
    }
    for t in &d.round_trips {
        println_out(&format!(
            "{} transaction {} ({} vB, fee {} sat):\n{}",
            t.script, t.txid, t.vsize, t.fee, t.tx_hex
        ))?;
    }
    Ok(())
}
