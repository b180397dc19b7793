"""Independent QR reader for tests/interop.rs and the scan benchmark: zxing-cpp reads image files.

usage: peer_zxing.py FILE...            -> JSON {"FILE": ["text", ...], ...}
       peer_zxing.py --time N FILE...   -> JSON {"FILE": ms_per_decode} (best of N)
"""
import json
import sys
import time

import zxingcpp
from PIL import Image


def read(path):
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path).convert("L"))]


def main():
    args = sys.argv[1:]
    if args and args[0] == "--time":
        n = int(args[1])
        out = {}
        for p in args[2:]:
            img = Image.open(p).convert("L")
            best = float("inf")
            for _ in range(n):
                t = time.perf_counter()
                zxingcpp.read_barcodes(img)
                best = min(best, time.perf_counter() - t)
            out[p] = best * 1000.0
        print(json.dumps(out))
        return
    print(json.dumps({p: read(p) for p in args}))


if __name__ == "__main__":
    main()
