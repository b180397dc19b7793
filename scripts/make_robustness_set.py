"""Render QR robustness sets: camera-like distortions of real airsign frames, with a manifest.
Deterministic (fixed seeds). Needs Pillow and numpy (both in the project venv).

usage:
  .venv/bin/python scripts/make_robustness_set.py
      Rewrite fixtures/robustness/ (run from the repository root; it calls target/debug/airsign,
      or $AIRSIGN, to make the frames, so build first). One distortion at a time, mild to harsh,
      plus a few combined camera-like frames; tests/robustness.rs asserts how many are read.
  .venv/bin/python scripts/make_robustness_set.py --camera OUT [--clean] [--count N] [--sizes 640x480,...]
      Write N combined camera-like frames per size to OUT/<size>/ and OUT/manifest.json: random
      (seeded) rotation, perspective up to 25 %, Gaussian or motion blur, noise, low contrast, a
      lighting gradient, glare, moire, JPEG quality 30 (with --clean: straight codes on a screen,
      PNG). Used by scripts/bench_decode.sh.

The codes are UR parts of 100, 200 and 400 bytes (QR versions 8, 11 and 16, EC level L), rendered
by `airsign qr show`. scripts/peer_zxing.py gives zxing-cpp's rate on the same files.
"""
import argparse
import json
import os
import random
import subprocess
import tempfile

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

OUT = "fixtures/robustness"
W, H = 960, 720
AIRSIGN = os.environ.get("AIRSIGN", "target/debug/airsign")


def frames(fragment=400, count=2, seed=7):
    """`count` frames (UR fragments of `fragment` bytes, EC level L) of a payload, as airsign
    shows them at 5 pixels per module, with their texts."""
    tmp = tempfile.mkdtemp()
    payload = os.path.join(tmp, "payload.bin")
    with open(payload, "wb") as f:
        f.write(bytes(random.Random(seed).randrange(256) for _ in range(max(1024, fragment * count))))
    with open(os.path.join(tmp, "parts.txt"), "w") as out:
        subprocess.run([AIRSIGN, "qr", "show", payload, "--png-dir", tmp, "--module-px", "5", "--text",
                        "--fragment", str(fragment)],
                       check=True, stdout=out, stderr=subprocess.DEVNULL)
    parts = open(os.path.join(tmp, "parts.txt")).read().split()
    return [(Image.open(os.path.join(tmp, f"frame-{i + 1:04d}.png")).convert("L"), parts[i])
            for i in range(min(count, len(parts)))]


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


def warp(img, dst, fill=120, src=None):
    """Map the points `src` (default: the frame's corners TL, TR, BR, BL) to `dst`."""
    w, h = img.size
    src = src or [(0, 0), (w, 0), (w, h), (0, h)]
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    coeffs = np.linalg.solve(np.array(a, float), np.array(b, float))
    return img.transform((w, h), Image.PERSPECTIVE, tuple(coeffs), Image.BILINEAR, fillcolor=fill)


def perspective(img, k):
    """A camera tilted by k of the width: the frame mapped onto a trapezoid."""
    w, h = img.size
    d = int(w * k)
    return warp(img, [(d, 0), (w - d, d // 2), (w, h), (0, h - d // 2)])


def motion_blur(img, length, angle_deg):
    """Linear motion blur: the mean of `length` copies shifted along a line."""
    a = np.asarray(img, np.float32)
    acc = np.zeros_like(a)
    t = np.deg2rad(angle_deg)
    for i in range(length):
        s = i - (length - 1) / 2
        dx, dy = int(round(s * np.cos(t))), int(round(s * np.sin(t)))
        acc += np.roll(np.roll(a, dy, axis=0), dx, axis=1)
    return Image.fromarray(np.clip(acc / length, 0, 255).astype(np.uint8))


def glare(img, cx, cy, radius, strength):
    """A soft bright reflection (a lamp or window on the screen), saturating at white."""
    a = np.asarray(img, np.float32)
    yy, xx = np.mgrid[0:a.shape[0], 0:a.shape[1]]
    g = strength * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2.0 * radius ** 2))
    return Image.fromarray(np.clip(a + g, 0, 255).astype(np.uint8))


def moire(img, period, amplitude, angle_deg):
    """Beats between the screen's pixel grid and the sensor's: a sinusoidal brightness ripple of a
    few pixels' period, multiplied in."""
    a = np.asarray(img, np.float32)
    yy, xx = np.mgrid[0:a.shape[0], 0:a.shape[1]]
    t = np.deg2rad(angle_deg)
    phase = (xx * np.cos(t) + yy * np.sin(t)) * 2 * np.pi / period
    # A second, slower beat makes the familiar curved bands.
    slow = 0.5 + 0.5 * np.sin((xx * np.sin(t) - yy * np.cos(t)) * 2 * np.pi / (period * 23))
    return Image.fromarray(np.clip(a * (1 + amplitude * slow * np.sin(phase)), 0, 255).astype(np.uint8))


def jpeg(img, quality):
    """Round-trip through JPEG at `quality`."""
    import io
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("L")


def camera_frame(code, w, h, rnd):
    """One combined camera-like frame of `code` at w x h, and what was done to it."""
    nrng = np.random.default_rng(rnd.randrange(2**32))
    desc = {}
    # The screen: 3.5-8 pixels per module, screen contrast, off centre, rotated about the code's
    # centre; the whole rotated code stays in the frame (a person aims at it). Blur is measured in
    # modules: a camera that focuses keeps it near a third of a module.
    dark, light = rnd.uniform(20, 70), rnd.uniform(160, 235)
    angle = rnd.choice([rnd.uniform(-30, 30), rnd.uniform(-180, 180)])
    spread = abs(np.cos(np.deg2rad(angle))) + abs(np.sin(np.deg2rad(angle)))
    modules = code.width / 5
    m = float(min(rnd.uniform(3.5, 8.0), 0.92 * min(w, h) / (modules * spread)))
    side = int(m * modules)
    room = int(side * spread) + 4
    c = np.asarray(code.resize((side, side), Image.NEAREST), np.float32)
    c = np.where(c < 128, dark, light)
    bg = rnd.uniform(50, 140)
    screen = np.full((h, w), bg, np.float32)
    cx = room / 2 + rnd.uniform(0, max(0, w - room))
    cy = room / 2 + rnd.uniform(0, max(0, h - room))
    ox, oy = int(cx - side / 2), int(cy - side / 2)
    screen[oy:oy + side, ox:ox + side] = c
    img = Image.fromarray(screen.astype(np.uint8))
    desc["module_px"] = round(m, 1)
    # Perspective (a tilted camera): the far edge's corners move in by k of the code's side along
    # the edge and k/2 towards the near edge, so at k = 0.25 the far edge is half the near one.
    k = rnd.uniform(0.0, 0.25)
    if k > 0.02:
        quad = [(ox, oy), (ox + side, oy), (ox + side, oy + side), (ox, oy + side)]
        e = rnd.randrange(4)
        i, j = e, (e + 1) % 4
        (x0, y0), (x1, y1) = quad[i], quad[j]
        (nx, ny) = (np.array(quad[(e + 2) % 4]) + np.array(quad[(e + 3) % 4])) / 2 - (np.array(quad[i]) + np.array(quad[j])) / 2
        ux, uy = (x1 - x0) / side, (y1 - y0) / side
        d, t = k * side, k / 2
        dst = list(quad)
        dst[i] = (x0 + ux * d + nx * t, y0 + uy * d + ny * t)
        dst[j] = (x1 - ux * d + nx * t, y1 - uy * d + ny * t)
        img = warp(img, [tuple(map(float, p)) for p in dst], fill=int(bg), src=quad)
        desc["perspective"] = round(k, 2)
    img = img.rotate(angle, center=(cx, cy), resample=Image.BILINEAR, fillcolor=int(bg))
    desc["rotate_deg"] = round(angle, 1)
    # Blur: out of focus or moving.
    if rnd.random() < 0.5:
        r = rnd.uniform(0.1, 0.35) * m
        img = img.filter(ImageFilter.GaussianBlur(r))
        desc["blur_px"] = round(r, 2)
    else:
        n = max(2, int(rnd.uniform(0.3, 1.0) * m))
        a = rnd.uniform(0, 180)
        img = motion_blur(img, n, a)
        desc["motion_px"] = n
    # Lighting gradient, low contrast, glare, moire, noise.
    a = np.asarray(img, np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    t = rnd.uniform(0, 2 * np.pi)
    g = rnd.uniform(0.0, 0.45)
    light_map = 1.0 - g / 2 + g * (0.5 + 0.5 * ((xx / w - 0.5) * np.cos(t) + (yy / h - 0.5) * np.sin(t)))
    a = a * light_map
    contrast = rnd.uniform(0.3, 1.0)
    a = (a - a.mean()) * contrast + a.mean()
    desc["gradient"], desc["contrast"] = round(g, 2), round(contrast, 2)
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if rnd.random() < 0.4:
        gs = rnd.uniform(40, 110)
        img = glare(img, ox + rnd.uniform(0, side), oy + rnd.uniform(0, side), rnd.uniform(0.05, 0.15) * h, gs)
        desc["glare"] = round(gs)
    if rnd.random() < 0.3:
        amp = rnd.uniform(0.03, 0.08)
        img = moire(img, rnd.uniform(3.0, 8.0), amp, rnd.uniform(0, 180))
        desc["moire"] = round(amp, 2)
    sigma = rnd.uniform(2, 12)
    a = np.asarray(img, np.float32) + nrng.normal(0, sigma, (h, w))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    desc["noise"] = round(sigma, 1)
    return jpeg(img, 30), desc


def codes(seed):
    """Frames of three QR versions: 100-, 200- and 400-byte UR fragments."""
    out = []
    for fragment in (100, 200, 400):
        out += frames(fragment, count=2, seed=seed + fragment)
    return out


def plain_frame(code, w, h, rnd):
    """The code straight on the screen, 4-8 pixels per module, screen contrast, a faint
    gradient: what a steady camera sees."""
    modules = code.width / 5
    m = min(rnd.uniform(4.0, 8.0), 0.85 * min(w, h) / modules)
    side = int(m * modules)
    c = np.where(np.asarray(code.resize((side, side), Image.NEAREST)) < 128, 40.0, 200.0)
    a = np.full((h, w), 120.0)
    ox, oy = rnd.randrange(0, w - side + 1), rnd.randrange(0, h - side + 1)
    a[oy:oy + side, ox:ox + side] = c
    a *= 0.9 + 0.1 * np.mgrid[0:h, 0:w][1] / w
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), {"module_px": round(m, 1)}


def camera_set(out, count, sizes, seed=2026, plain=False):
    rnd = random.Random(seed)
    cs = codes(seed)
    manifest = []
    for w, h in sizes:
        d = os.path.join(out, f"{w}x{h}")
        os.makedirs(d, exist_ok=True)
        for i in range(count):
            code, text = cs[i % len(cs)]
            img, desc = (plain_frame if plain else camera_frame)(code, w, h, rnd)
            fname = f"{w}x{h}/{'clean' if plain else 'camera'}-{i + 1:03d}.{'png' if plain else 'jpg'}"
            img.save(os.path.join(out, fname), quality=95)
            manifest.append({"file": fname, "distortion": "clean" if plain else "camera", "resolution": f"{w}x{h}",
                             "what": desc, "text": text})
    return manifest


def fixtures():
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
    # Harder levels (issue 12).
    hard = {
        "perspective_hard": [lambda k=k: perspective(on_screen(a, scale=0.8), k) for k in (0.25, 0.30)],
        "motion_blur": [lambda n=n, t=t: motion_blur(on_screen(a), n, t) for n, t in ((5, 0), (8, 30), (11, 75))],
        "jpeg30": [lambda: jpeg(noise(on_screen(a, angle=10), 15, rnd), 30),
                   lambda: jpeg(on_screen(a, scale=0.6).filter(ImageFilter.GaussianBlur(1.0)), 30)],
        "glare": [lambda s=s: glare(on_screen(a), W * 0.55, H * 0.45, 70, s) for s in (80, 130)],
        "moire": [lambda p=p, m=m: moire(on_screen(a), p, m, 20) for p, m in ((4.0, 0.08), (3.0, 0.15))],
    }
    for name, makers in list(cases.items()) + list(hard.items()):
        for level, make in enumerate(makers, 1):
            img = make()
            fname = f"{name}-{level}.jpg"
            img.save(os.path.join(OUT, fname), quality=88)
            manifest.append({"file": fname, "distortion": name, "level": level, "text": ta})
    # Combined camera-like frames, small enough to commit (JPEG 30 already applied).
    crnd = random.Random(12)
    cs = [(a, ta), (b, tb)] + frames(200, count=1, seed=11) + frames(100, count=1, seed=13)
    for i in range(12):
        code, text = cs[i % len(cs)]
        img, desc = camera_frame(code, 640, 480, crnd)
        fname = f"camera-{i + 1:02d}.jpg"
        img.save(os.path.join(OUT, fname), quality=95)
        manifest.append({"file": fname, "distortion": "camera", "level": 1, "what": desc, "text": text})
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"source": "scripts/make_robustness_set.py (generated; do not edit by hand)", "frames": manifest}, f, indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--camera", metavar="OUT", help="write a combined camera-like set to OUT")
    p.add_argument("--count", type=int, default=24, help="frames per size (camera set)")
    p.add_argument("--sizes", default="640x480,1280x720,1920x1080")
    p.add_argument("--clean", action="store_true", help="with --camera: straight codes, no distortion")
    args = p.parse_args()
    if args.camera:
        sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
        m = camera_set(args.camera, args.count, sizes, plain=args.clean)
        with open(os.path.join(args.camera, "manifest.json"), "w") as f:
            json.dump({"source": "scripts/make_robustness_set.py --camera", "frames": m}, f, indent=1)
        return
    fixtures()


if __name__ == "__main__":
    main()
