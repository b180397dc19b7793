"""Render the QR robustness set in fixtures/robustness/ (camera-like distortions of real airsign
frames) and its manifest. Deterministic (fixed seeds). Needs Pillow (scripts/test.sh installs it).

usage: .venv/bin/python scripts/make_robustness_set.py  (run from the repository root; it calls
       target/debug/airsign to make the frames, so build first)

Each distortion has 4 levels, mild to harsh; tests/robustness.rs reports the decode rate per
distortion and scripts/peer_zxing.py gives zxing-cpp's rate on the same files.
"""
import json
import os
import random
import subprocess
import tempfile

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

OUT = "fixtures/robustness"
W, H = 960, 720


def frames():
    """Two v16 frames (400-byte UR fragments, EC level L) of a 1 KB payload, as airsign shows them."""
    tmp = tempfile.mkdtemp()
    payload = os.path.join(tmp, "payload.bin")
    with open(payload, "wb") as f:
        f.write(bytes(random.Random(7).randrange(256) for _ in range(1024)))
    subprocess.run(["target/debug/airsign", "qr", "show", payload, "--png-dir", tmp, "--module-px", "5", "--text"],
                   check=True, stdout=open(os.path.join(tmp, "parts.txt"), "w"), stderr=subprocess.DEVNULL)
    parts = open(os.path.join(tmp, "parts.txt")).read().split()
    return [(Image.open(os.path.join(tmp, f"frame-{i + 1:04d}.png")).convert("L"), parts[i]) for i in range(2)]


def on_screen(code, scale=1.0, angle=0.0):
    """The code on a mid-grey 'screen' with a lighting gradient."""
    bg = Image.linear_gradient("L").resize((W, H)).point(lambda v: 90 + v // 6)
    c = code.resize((int(code.width * scale), int(code.height * scale)), Image.NEAREST)
    c = c.point(lambda v: 35 if v < 128 else 210)
    if angle:
        c = c.rotate(angle, expand=True, fillcolor=210)
    bg.paste(c, ((W - c.width) // 2, (H - c.height) // 2))
    return bg


def noise(img, sigma, rnd):
    px = img.load()
    for y in range(img.height):
        for x in range(img.width):
            px[x, y] = max(0, min(255, int(px[x, y] + rnd.gauss(0, sigma))))
    return img


def perspective(img, k):
    # Map the frame onto a trapezoid (camera tilted by k of the width).
    w, h = img.size
    d = int(w * k)
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(d, 0), (w - d, d // 2), (w, h), (0, h - d // 2)]
    # Solve for the 8 coefficients PIL wants (dst -> src).
    import itertools
    A, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    # Gaussian elimination (8x8).
    n = 8
    M = [row[:] + [bb] for row, bb in zip(A, b)]
    for i in range(n):
        p = max(range(i, n), key=lambda r: abs(M[r][i]))
        M[i], M[p] = M[p], M[i]
        for r in range(n):
            if r != i:
                f = M[r][i] / M[i][i]
                M[r] = [a - f * c for a, c in zip(M[r], M[i])]
    coeffs = [M[i][n] / M[i][i] for i in range(n)]
    return img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BILINEAR, fillcolor=120)


def main():
    os.makedirs(OUT, exist_ok=True)
    rnd = random.Random(42)
    manifest = []
    (a, ta), (b, tb) = frames()
    cases = {
        "clean": [lambda: on_screen(a)],
        "rotated": [lambda d=d: on_screen(a, angle=d) for d in (5, 15, 30, 45)],
        "scaled": [lambda s=s: on_screen(a, scale=s) for s in (0.9, 0.75, 0.6, 0.5)],
        "blurred": [lambda r=r: on_screen(a).filter(ImageFilter.GaussianBlur(r)) for r in (0.8, 1.2, 1.6, 2.0)],
        "noised": [lambda s=s: noise(on_screen(a), s, rnd) for s in (10, 20, 30, 40)],
        "perspective": [lambda k=k: perspective(on_screen(a, scale=0.9), k) for k in (0.05, 0.10, 0.15, 0.20)],
        "low_contrast": [lambda c=c: ImageEnhance.Contrast(on_screen(a)).enhance(c) for c in (0.5, 0.3, 0.2, 0.12)],
    }
    for name, makers in cases.items():
        for level, make in enumerate(makers, 1):
            img = make()
            fname = f"{name}-{level}.jpg"
            img.save(os.path.join(OUT, fname), quality=88)
            manifest.append({"file": fname, "distortion": name, "level": level, "text": ta})
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"source": "scripts/make_robustness_set.py (generated; do not edit by hand)", "frames": manifest}, f, indent=1)


if __name__ == "__main__":
    main()
