"""Charts and a Markdown report from scripts/bench-peers.sh's JSON (docs/benchmarks.md embeds the
charts). usage: PY scripts/bench_report.py OUTDIR
Reads OUTDIR/{machine.txt, decode.json, sign.json, fountain.json, bcur.jsonl, transfer.json};
writes OUTDIR/{frames-vs-loss.png, decode-ms.png, report.md}. Every figure printed here comes from
those files: nothing is typed in.
"""
import collections
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(out, name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def pct(values, q):
    v = sorted(values)
    return v[round((len(v) - 1) * q)]


def fountain_rows(out):
    rows = load(out, "fountain.json")
    by_loss = collections.defaultdict(list)
    with open(os.path.join(out, "bcur.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            # A stream the peer did not finish within the parts kept counts as not finished.
            by_loss[r["loss"]].append(r["shown"] if r["shown"] is not None else float("inf"))
    n = rows[0]["n"]
    for loss, shown in sorted(by_loss.items()):
        rows.append({"loss": loss, "n": n, "tool": "@ngraveio/bc-ur (peeling)",
                     "frames_median": pct(shown, 0.5), "frames_p90": pct(shown, 0.9),
                     "trials": len(shown)})
    return rows


def chart_fountain(rows, path):
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for tool in dict.fromkeys(r["tool"] for r in rows):
        pts = sorted((r["loss"] * 100, r["frames_median"]) for r in rows if r["tool"] == tool)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=tool)
    n = rows[0]["n"]
    ax.axhline(n, color="grey", linestyle=":", label=f"N = {n} fragments")
    ax.set_xlabel("frames lost (%)")
    ax.set_ylabel("frames shown until complete (median)")
    ax.set_title("UR fountain: frames needed vs loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def res_key(r):
    w, h = r.split("x")
    return int(w) * int(h)


def chart_decode(rows, path):
    fig, ax = plt.subplots(figsize=(6.4, 4))
    resolutions = sorted({r["resolution"] for r in rows}, key=res_key)
    for tool in dict.fromkeys(r["tool"] for r in rows):
        for s, style in (("clean", "-"), ("camera", "--")):
            pts = [next((r["ms_median"] for r in rows
                         if r["tool"] == tool and r["set"] == s and r["resolution"] == res), None)
                   for res in resolutions]
            if any(p is not None for p in pts):
                ax.plot(resolutions, pts, style, marker="o", label=f"{tool} ({s})")
    ax.set_xlabel("frame size")
    ax.set_ylabel("ms per frame (median)")
    ax.set_title("QR frame decode: whole-frame search")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def main():
    out = sys.argv[1]
    md = ["# airsign beside its peers", ""]
    with open(os.path.join(out, "machine.txt")) as f:
        md += ["```", f.read().strip(), "```", ""]

    decode = load(out, "decode.json")
    chart_decode(decode, os.path.join(out, "decode-ms.png"))
    md += ["## QR frame decode", ""]
    body = []
    for res in sorted({r["resolution"] for r in decode}, key=res_key):
        for s in ("clean", "camera"):
            mine = next((r for r in decode if r["resolution"] == res and r["set"] == s
                         and r["tool"] == "airsign"), None)
            for r in decode:
                if r["resolution"] != res or r["set"] != s:
                    continue
                ratio = ("" if mine is None or r is mine or not mine["ms_median"]
                         else f"{r['ms_median'] / mine['ms_median']:.2f}")
                body.append([res, s, r["tool"], f"{r['ms_median']:.2f}",
                             f"{r['read']}/{r['total']}", ratio])
    md += [table(["frame", "set", "tool", "ms (median)", "read", "tool ms ÷ airsign ms"], body), ""]

    sign = load(out, "sign.json")
    md += ["## Signing, whole processes on the same file", "",
           f"scripts/bench_sign.sh: median of {sign['runs']} runs, tools interleaved; load average "
           f"at the start {sign['loadavg']}.", ""]
    body = []
    groups = collections.OrderedDict()
    for r in sign["rows"]:
        groups.setdefault((r["inputs"], r["type"]), []).append(r)
    for (inputs, ty), rs in groups.items():
        mine = next((r for r in rs if r["tool"] == "airsign"), None)
        for r in rs:
            ratio = ("" if mine is None or r is mine or not mine["seconds"]
                     else f"{r['seconds'] / mine['seconds']:.1f}")
            body.append([inputs, ty, r["tool"], f"{r['seconds']:.3f}", ratio])
    md += [table(["inputs", "type", "tool", "seconds", "tool ÷ airsign"], body), ""]
    floor = sign["floor"]
    mine = next((r for r in sign["rows"] if r["tool"] == "airsign" and r["inputs"] == 1000), None)
    md += [f"Floor: {floor['what']}: {floor['us_per_input']:.1f} µs per input"
           + (f"; airsign's whole process at 1,000 inputs is {mine['seconds'] * 1e3:.0f} µs per "
              f"input × 1,000, {mine['seconds'] * 1e6 / 1000 / floor['us_per_input']:.2f}× the floor "
              "(the process includes start-up, parsing, review and policy)." if mine else ""), ""]

    fountain = fountain_rows(out)
    chart_fountain(fountain, os.path.join(out, "frames-vs-loss.png"))
    md += ["## Fountain: frames shown until complete", "",
           f"Endless stream joined at a random part, N = {fountain[0]['n']} fragments, "
           f"{fountain[0]['trials']} trials per row.", ""]
    body = [[f"{r['loss'] * 100:.0f} %", r["tool"], r["frames_median"], r["frames_p90"]]
            for r in sorted(fountain, key=lambda r: (r["loss"], r["tool"]))]
    md += [table(["loss", "decoder", "frames (median)", "frames (p90)"], body), ""]

    transfer = load(out, "transfer.json")
    md += ["## Seconds to move a PSBT at each wallet's defaults", ""]
    body = []
    for r in transfer:
        a, s, ss = r["airsign"], r["sparrow"], r["seedsigner"]
        body.append([f"{r['kb']} KB", f"{r['loss'] * 100:.0f} %",
                     f"{a['seconds']:.1f} s ({a['frames_median']} frames)",
                     f"{s['seconds']:.1f} s ({s['frames_median']})",
                     f"{ss['seconds']:.1f} s ({ss['frames_median']})",
                     f"{s['seconds'] / a['seconds']:.2f}", f"{ss['seconds'] / a['seconds']:.2f}"])
    md += [table(["PSBT", "loss", "airsign (400 B, 5 fps, elimination)",
                  "Sparrow (400 B, 200 ms, peeling)", "SeedSigner (30 B, 5/30 s, peeling)",
                  "Sparrow ÷ airsign", "SeedSigner ÷ airsign"], body), ""]
    md += ["![frames needed vs loss](frames-vs-loss.png)", "",
           "![decode ms vs resolution](decode-ms.png)", ""]
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
