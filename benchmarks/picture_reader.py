"""The app's picture reader (engine/data/pictures.py) beside plain OpenCV and plain
Pillow, on the same files in one run, interleaved; prints one JSON object.

Pictures (written to a temporary folder): a 4032x3024 phone-size JPEG and a
1280x960 PNG shrunk to 64x64 ("Try your own image"), a 96x96 camera shot read at full
size (the face path), and a 48 KB PNG declaring 20000x20000 pixels (a decompression
bomb: the reader refuses it from the header; plain OpenCV decodes all 400 million
pixels, in a child process here so its memory does not count against this one).

    .venv/bin/python benchmarks/picture_reader.py [--repeats 15]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))


def write_pictures(folder: Path) -> dict:
    from PIL import Image

    rng = np.random.default_rng(0)

    def photo(width, height):
        y, x = np.mgrid[0:height, 0:width]
        base = np.stack([x * 255 // width, y * 255 // height,
                         (x + y) * 255 // (width + height)], axis=-1).astype(np.int16)
        noise = rng.integers(-20, 21, (height, width, 3), dtype=np.int16)
        return np.clip(base + noise, 0, 255).astype(np.uint8)

    out = {}
    out["phone_jpeg_4032x3024"] = folder / "phone.jpg"
    Image.fromarray(photo(4032, 3024)).save(out["phone_jpeg_4032x3024"], quality=90)
    out["png_1280x960"] = folder / "screen.png"
    Image.fromarray(photo(1280, 960)).save(out["png_1280x960"])
    out["camera_jpeg_96x96"] = folder / "shot.jpg"
    Image.fromarray(photo(96, 96)).save(out["camera_jpeg_96x96"], quality=20)
    import make_cases
    out["bomb_png_20000x20000"] = folder / "bomb.png"
    out["bomb_png_20000x20000"].write_bytes(make_cases._png_bomb(20000, 20000))
    return out


def readers(size):
    """name -> function(path) for one task; ``size`` None reads at full size."""
    import cv2
    from PIL import Image

    from engine.data.pictures import picture_for_model, read_picture

    def app(path):
        return read_picture(path) if size is None else picture_for_model(path, size)

    def opencv(path):
        raw = np.fromfile(str(path), dtype=np.uint8)
        image = cv2.imdecode(raw, cv2.IMREAD_COLOR)[:, :, ::-1]
        return image if size is None else cv2.resize(image, size, interpolation=cv2.INTER_AREA)

    def pillow(path):
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        if size is not None:
            image = image.resize(size, Image.BILINEAR)
        return np.asarray(image)

    return {"app_reader": app, "plain_opencv": opencv, "plain_pillow": pillow}


def time_task(path, size, repeats):
    funcs = readers(size)
    times = {name: [] for name in funcs}
    outputs = {}
    for _ in range(repeats):
        for name, func in funcs.items():          # interleaved: same load for each
            start = time.perf_counter()
            outputs[name] = func(path)
            times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    diff = {name: float(np.abs(outputs[name].astype(int)
                               - outputs["app_reader"].astype(int)).mean())
            for name in funcs if name != "app_reader"}
    return {"median_ms": {k: round(v, 2) for k, v in med.items()},
            "app_vs_opencv": round(med["app_reader"] / med["plain_opencv"], 3),
            "app_vs_pillow": round(med["app_reader"] / med["plain_pillow"], 3),
            "mean_abs_pixel_difference_to_app": {k: round(v, 2) for k, v in diff.items()}}


BOMB_CHILD = """
import resource, sys, time, numpy as np, cv2
start = time.perf_counter()
image = cv2.imdecode(np.fromfile(sys.argv[1], dtype=np.uint8), cv2.IMREAD_COLOR)
print(time.perf_counter() - start, None if image is None else image.shape,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bomb(path):
    from PIL import Image

    from engine.data.pictures import PictureError, read_picture
    start = time.perf_counter()
    try:
        read_picture(path)
        app = "read"
    except PictureError as exc:
        app = str(exc)
    app_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    try:
        with Image.open(path) as opened:
            opened.load()
        pillow = "read"
    except Image.DecompressionBombError as exc:
        pillow = f"DecompressionBombError: {exc}"[:120]
    pillow_ms = (time.perf_counter() - start) * 1000
    child = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(path)], capture_output=True,
                           text=True, timeout=300)
    seconds, *rest = child.stdout.split(" ", 1) if child.returncode == 0 else ("nan", "")
    return {"file_kb": round(path.stat().st_size / 1024, 1),
            "app_reader": {"ms": round(app_ms, 2), "result": app},
            "plain_pillow": {"ms": round(pillow_ms, 2), "result": pillow},
            "plain_opencv": {"ms": round(float(seconds) * 1000, 1),
                             "result": (rest[0].strip() if rest else child.stderr[-200:]),
                             "note": "seconds, shape, peak RSS in KB of the child process"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_pictures(Path(tmp))
        result = {
            "phone_jpeg_4032x3024_to_64x64": time_task(files["phone_jpeg_4032x3024"],
                                                       (64, 64), args.repeats),
            "png_1280x960_to_64x64": time_task(files["png_1280x960"], (64, 64), args.repeats),
            "camera_jpeg_96x96_full_size": time_task(files["camera_jpeg_96x96"], None,
                                                     args.repeats * 10),
            "bomb_png_20000x20000": bomb(files["bomb_png_20000x20000"]),
            "repeats": args.repeats,
        }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
