"""The second half of scripts/bench_decode.sh: time zxing-cpp and zbar on the frames airsign was
timed on, join the three and print the table; writes OUTDIR/decode.json.

usage: bench_decode_peers.py OUTDIR REPEAT
"""
import json
import statistics
import sys
import time

import numpy as np
import zxingcpp
from PIL import Image
from pyzbar import pyzbar


def zxing_read(a):
    return [r.text for r in zxingcpp.read_barcodes(a, formats=zxingcpp.BarcodeFormat.QRCode)]


def zbar_read(a):
    h, w = a.shape
    return [s.data.decode("utf-8", "replace")
            for s in pyzbar.decode((a.tobytes(), w, h), symbols=[pyzbar.ZBarSymbol.QRCODE])]


def timed(read, a, want, repeat):
    times, ok = [], False
    for _ in range(repeat):
        t = time.perf_counter()
        texts = read(a)
        times.append((time.perf_counter() - t) * 1000.0)
        ok = want in texts
    return statistics.median(times), ok


def main():
    out, repeat = sys.argv[1], int(sys.argv[2])
    rows = []
    for s in ("clean", "camera"):
        d = f"{out}/frames/{s}"
        frames = json.load(open(f"{d}/manifest.json"))["frames"]
        ours = {}
        for line in open(f"{out}/airsign-{s}.jsonl"):
            r = json.loads(line)
            ours[r["file"]] = (r["ms"], r["read"])
        per = {}
        for f in frames:
            a = np.asarray(Image.open(f"{d}/{f['file']}").convert("L"))
            res = per.setdefault(f["resolution"], {"airsign": [], "zxing-cpp": [], "zbar": []})
            res["airsign"].append(ours[f["file"]])
            res["zxing-cpp"].append(timed(zxing_read, a, f["text"], repeat))
            res["zbar"].append(timed(zbar_read, a, f["text"], repeat))
        for resolution, tools in per.items():
            for tool, v in tools.items():
                rows.append({"resolution": resolution, "set": s, "tool": tool,
                             "ms_median": round(statistics.median(m for m, _ in v), 2),
                             "read": sum(ok for _, ok in v), "total": len(v)})
    json.dump(rows, open(f"{out}/decode.json", "w"), indent=1)
    print(f"{'resolution':<11} {'set':<7} {'tool':<10} {'ms median':>9} {'read':>7} {'ms / zxing':>10} {'ms / zbar':>9}")
    for r in rows:
        peer = {t: next(x for x in rows if x["resolution"] == r["resolution"] and x["set"] == r["set"]
                        and x["tool"] == t) for t in ("zxing-cpp", "zbar")}
        ratio = lambda t: f"{r['ms_median'] / peer[t]['ms_median']:.2f}x" if peer[t]["ms_median"] else "-"
        print(f"{r['resolution']:<11} {r['set']:<7} {r['tool']:<10} {r['ms_median']:>9.2f} "
              f"{r['read']:>3}/{r['total']:<3} {ratio('zxing-cpp'):>10} {ratio('zbar'):>9}")


if __name__ == "__main__":
    main()
