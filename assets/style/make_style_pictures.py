"""Make the pictures the style-transfer lesson ships with (a developer's script).

    python assets/style/make_style_pictures.py      # needs scikit-image, dev only

Content photos: four public-domain / CC0 photographs that scikit-image's wheel
bundles (see SOURCES.md), resized so their longer side is 400 px.
Style pictures: drawn here from a fixed seed (brush strokes along a flow field, a
tile mosaic, banded swirls, dots). Style transfer copies texture and colour
statistics, so they use few bold colours and strong, repeated marks at two or three
scales: a soft or busy picture gives a weak, muddy transfer.

The app itself never imports scikit-image; it only reads the JPEGs this writes.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
LONG_SIDE = 400
STYLE_SIZE = 400
QUALITY = 88


def save(array_or_image, name: str) -> None:
    image = array_or_image if isinstance(array_or_image, Image.Image) else \
        Image.fromarray(np.asarray(array_or_image, dtype=np.uint8))
    image.convert("RGB").save(HERE / name, "JPEG", quality=QUALITY, optimize=True)


def content_photos() -> None:
    import skimage.data

    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        scale = LONG_SIDE / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        save(image.resize(size, Image.LANCZOS), f"content-{name}.jpg")


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _smooth_noise(rng, size: int, cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1]: a coarse random grid, bicubically enlarged."""
    coarse = (rng.random((cells, cells)) * 255).astype(np.uint8)
    big = Image.fromarray(coarse).resize((size, size), Image.BICUBIC)
    values = np.asarray(big, dtype=np.float64) / 255
    return (values - values.min()) / max(values.max() - values.min(), 1e-9)


def brush_strokes(seed: int = 7) -> Image.Image:
    """Short thick strokes following a swirling flow field, in a night-sky palette."""
    rng = np.random.default_rng(seed)
    n = STYLE_SIZE
    palette = [_hex(c) for c in ("#0b1f5c", "#1747a6", "#2f7fd6", "#f2c416", "#f7e27a",
                                 "#e0701b", "#0e6b6b")]
    region = _smooth_noise(rng, n, 5)
    image = Image.new("RGB", (n, n), palette[0])
    draw = ImageDraw.Draw(image)

    def angle(x: float, y: float) -> float:
        return (math.sin(x / 41.0) * 1.6 + math.cos(y / 33.0) * 1.6
                + math.sin((x + y) / 77.0) * 1.2)

    for _ in range(5200):
        x, y = rng.random() * n, rng.random() * n
        band = region[int(y) % n, int(x) % n]
        index = min(int(band * len(palette)), len(palette) - 1)
        if rng.random() < 0.22:   # a few strokes of a neighbouring colour give texture
            index = (index + rng.choice((-1, 1))) % len(palette)
        colour = np.array(palette[index]) * rng.uniform(0.8, 1.15)
        colour = tuple(int(c) for c in np.clip(colour, 0, 255))
        points = [(x, y)]
        for _ in range(int(rng.integers(5, 11))):
            a = angle(x, y)
            x, y = x + 4 * math.cos(a), y + 4 * math.sin(a)
            points.append((x, y))
        width = int(rng.integers(4, 8))
        dark = tuple(int(c * 0.55) for c in colour)
        draw.line(points, fill=dark, width=width + 2, joint="curve")
        draw.line(points, fill=colour, width=width, joint="curve")
    return image


def mosaic(seed: int = 11) -> Image.Image:
    """Irregular tiles (a Voronoi diagram) in warm and cool colours with dark grout."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    n = STYLE_SIZE
    palette = np.array([_hex(c) for c in ("#c0392b", "#e67e22", "#f1c40f", "#16a085",
                                          "#2980b9", "#8e44ad", "#ecf0f1")], dtype=np.float64)
    centres = rng.random((520, 2)) * n
    yy, xx = np.mgrid[0:n, 0:n]
    pixels = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float64)
    distances, nearest = cKDTree(centres).query(pixels, k=2)
    # Colours in broad diagonal bands, each tile a little brighter or darker.
    band = ((centres[:, 0] + 0.6 * centres[:, 1]) / (1.6 * n) * 5
            + rng.normal(0, 0.35, len(centres)))
    tile_colour = palette[np.mod(np.floor(band).astype(int), len(palette))]
    tile_colour = np.clip(tile_colour * rng.uniform(0.8, 1.15, (len(centres), 1)), 0, 255)
    image = tile_colour[nearest[:, 0]].reshape(n, n, 3)
    grout = (distances[:, 1] - distances[:, 0]).reshape(n, n) < 2.6
    image[grout] = (28, 24, 22)
    return Image.fromarray(image.astype(np.uint8)).filter(ImageFilter.SMOOTH)


def swirls(seed: int = 3) -> Image.Image:
    """Bands of colour wound round a few vortices, with thin dark contour lines."""
    rng = np.random.default_rng(seed)
    n = STYLE_SIZE
    palette = np.array([_hex(c) for c in ("#081d58", "#225ea8", "#41b6c4", "#ffffd9",
                                          "#fec44f", "#d95f0e", "#225ea8")], dtype=np.float64)
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    # Wind straight stripes round a few vortices: each one turns the plane about its
    # centre by an angle that fades with distance (no angle branch cut, so no seams).
    x, y = xx.copy(), yy.copy()
    for _ in range(6):
        cx, cy = rng.random(2) * n
        turn = rng.uniform(3.0, 6.0) * rng.choice((-1, 1))
        dx, dy = x - cx, y - cy
        a = turn * np.exp(-np.hypot(dx, dy) / 60.0)
        x, y = cx + dx * np.cos(a) - dy * np.sin(a), cy + dx * np.sin(a) + dy * np.cos(a)
    phase = 0.11 * x + 0.06 * y
    bands = phase / (2 * math.pi) * 3
    index = np.mod(np.floor(bands).astype(int), len(palette))
    image = palette[index]
    edge = np.abs(bands - np.round(bands)) < 0.06
    image[edge] *= 0.35
    return Image.fromarray(image.astype(np.uint8)).filter(ImageFilter.SMOOTH)


def dots(seed: int = 5) -> Image.Image:
    """Pointillist dots in two sizes over a warm ground, colours drifting by region."""
    rng = np.random.default_rng(seed)
    n = STYLE_SIZE
    palette = [_hex(c) for c in ("#d7263d", "#f46036", "#f9c80e", "#1b998b", "#2e294e",
                                 "#c5d86d")]
    region = _smooth_noise(rng, n, 4)
    image = Image.new("RGB", (n, n), "#f4e9d8")
    draw = ImageDraw.Draw(image)
    for radius, count in ((9, 900), (4, 4200)):
        for _ in range(count):
            x, y = rng.random() * n, rng.random() * n
            index = int(region[int(y), int(x)] * (len(palette) - 1) + rng.normal(0, 0.7))
            colour = palette[index % len(palette)]
            r = radius * rng.uniform(0.7, 1.2)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return image


def main() -> None:
    content_photos()
    save(brush_strokes(), "style-brush-strokes.jpg")
    save(mosaic(), "style-mosaic.jpg")
    save(swirls(), "style-swirls.jpg")
    save(dots(), "style-dots.jpg")
    total = sum(p.stat().st_size for p in HERE.glob("*.jpg"))
    print(f"wrote {len(list(HERE.glob('*.jpg')))} pictures, {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
