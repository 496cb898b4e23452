"""Procedural stand-ins for course data files that are not present.

Each generator is deterministic for its seed, uses its own random generator (never
NumPy's global one) and produces the same shapes, dtypes and classes as the real
files, so a lesson runs unchanged on either.
"""
from __future__ import annotations

import math

import numpy as np

from engine.data.dataset import Dataset

SIZE = 64
_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)

# Class counts of the real cat files, so accuracies mean roughly the same thing.
CAT_TRAIN, CAT_TRAIN_CATS = 209, 72
CAT_TEST, CAT_TEST_CATS = 50, 33

_FUR = np.array([[225, 140, 55], [135, 135, 140], [45, 42, 40], [238, 236, 228],
                 [125, 85, 55], [215, 190, 150], [95, 95, 105], [190, 120, 70]],
                np.float32)
_EYES = np.array([[120, 200, 70], [230, 200, 60], [90, 160, 220], [200, 140, 40]],
                 np.float32)


# --- drawing: shapes are painted into a float (3, 64, 64) canvas ---
# Channel-first, and each shape only touches the pixels of its own bounding box:
# that is what keeps 259 pictures well under a second.

class _Canvas:
    """A picture being drawn, with a movable, rotatable frame for shape coordinates."""

    def __init__(self, img: np.ndarray) -> None:
        self.img = img
        self.place(0.0, 0.0, 0.0)

    def place(self, cx: float, cy: float, angle: float = 0.0) -> "_Canvas":
        """Following shapes are given relative to (cx, cy), rotated by ``angle``."""
        self.cx, self.cy = cx, cy
        self.c, self.s = float(np.cos(angle)), float(np.sin(angle))
        return self

    def _window(self, points, margin):
        # plain Python on purpose: NumPy calls on 2-4 points cost more than the maths
        c, s, cx, cy = self.c, self.s, self.cx, self.cy
        gx = [cx + c * float(u) - s * float(v) for u, v in points]
        gy = [cy + s * float(u) + c * float(v) for u, v in points]
        x0 = max(math.floor(min(gx) - margin), 0)
        x1 = min(math.ceil(max(gx) + margin) + 1, SIZE)
        y0 = max(math.floor(min(gy) - margin), 0)
        y1 = min(math.ceil(max(gy) + margin) + 1, SIZE)
        if x0 >= x1 or y0 >= y1:
            return None
        dx = _XX[y0:y1, x0:x1] - np.float32(self.cx)
        dy = _YY[y0:y1, x0:x1] - np.float32(self.cy)
        win = (slice(y0, y1), slice(x0, x1))
        if s == 0.0 and c == 1.0:
            return win, dx, dy
        c, s = np.float32(c), np.float32(s)
        return win, c * dx + s * dy, -s * dx + c * dy

    def _paint(self, win, mask, colour, alpha):
        region = self.img[:, win[0], win[1]]
        if alpha != 1.0:
            mask = mask * np.float32(alpha)
        delta = np.asarray(colour, np.float32).reshape(3, 1, 1) - region
        delta *= mask
        region += delta

    def ellipse(self, cu, cv, ru, rv, colour, alpha=1.0):
        r = max(ru, rv)
        found = self._window([(cu - r, cv - r), (cu + r, cv + r)], 2)
        if found:
            win, u, v = found
            d = ((u - np.float32(cu)) / np.float32(ru)) ** 2 \
                + ((v - np.float32(cv)) / np.float32(rv)) ** 2
            # a one-pixel soft edge keeps shapes from looking like aliased clip art
            mask = np.clip((1 - d) * np.float32(min(ru, rv) / 2) + np.float32(0.5), 0, 1)
            self._paint(win, mask, colour, alpha)

    def triangle(self, p0, p1, p2, colour, alpha=1.0):
        found = self._window([p0, p1, p2], 1)
        if found:
            win, u, v = found

            def side(a, b):
                return (b[0] - a[0]) * (v - a[1]) - (b[1] - a[1]) * (u - a[0])
            d0, d1, d2 = side(p0, p1), side(p1, p2), side(p2, p0)
            inside = (((d0 >= 0) & (d1 >= 0) & (d2 >= 0))
                      | ((d0 <= 0) & (d1 <= 0) & (d2 <= 0)))
            self._paint(win, inside.astype(np.float32), colour, alpha)

    def segment(self, a, b, width, colour, alpha=1.0):
        found = self._window([a, b], width + 2)
        if found:
            win, u, v = found
            ab0, ab1 = b[0] - a[0], b[1] - a[1]
            length2 = max(ab0 * ab0 + ab1 * ab1, 1e-6)
            du, dv = u - np.float32(a[0]), v - np.float32(a[1])
            t = np.clip((du * np.float32(ab0) + dv * np.float32(ab1)) / np.float32(length2),
                        0, 1)
            dist = np.hypot(du - t * np.float32(ab0), dv - t * np.float32(ab1))
            mask = np.clip(np.float32(width / 2 + 0.5) - dist, 0, 1)
            self._paint(win, mask, colour, alpha)

    def rect(self, u0, v0, u1, v1, colour, alpha=1.0):
        found = self._window([(u0, v0), (u1, v1), (u0, v1), (u1, v0)], 1)
        if found:
            win, u, v = found
            mask = ((u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)).astype(np.float32)
            self._paint(win, mask, colour, alpha)


def _colour(rng, low=20, high=235):
    return rng.uniform(low, high, 3).astype(np.float32)


# --- backgrounds ---
# Cats are mostly photographed indoors and most other pictures outdoors, but not
# always: that overlap is a cue a linear model can partly use, as with real photos.

def _indoor_colour(rng):
    return (rng.uniform(70, 235) * np.array([1.0, rng.uniform(0.75, 0.95),
                                             rng.uniform(0.5, 0.85)])).astype(np.float32)


def _background(rng, indoor: bool) -> np.ndarray:
    if indoor:
        kind = rng.integers(4)
        a = _indoor_colour(rng).reshape(3, 1, 1)
        b = _indoor_colour(rng).reshape(3, 1, 1)
    else:
        kind = 4 + rng.integers(2)
        a = np.array([rng.uniform(80, 170), rng.uniform(140, 210), rng.uniform(190, 250)],
                     np.float32).reshape(3, 1, 1)                          # sky
        b = np.array([rng.uniform(40, 130), rng.uniform(100, 190), rng.uniform(30, 100)],
                     np.float32).reshape(3, 1, 1)                          # grass
        if rng.random() < 0.3:
            b = _indoor_colour(rng).reshape(3, 1, 1)                       # sand, road
    if kind == 0:                                   # plain wall
        img = np.repeat(np.repeat(a, SIZE, 1), SIZE, 2)
    elif kind == 1:                                 # wall and floor
        img = np.where(_YY < np.float32(rng.uniform(30, 56)), a, b)
    elif kind == 2:                                 # striped wallpaper / blanket
        period, angle = rng.uniform(5, 14), rng.uniform(0, np.pi)
        phase = (_XX * np.float32(np.cos(angle)) + _YY * np.float32(np.sin(angle))) \
            * np.float32(2 * np.pi / period)
        img = np.where(np.sin(phase) > 0, a, a * 0.6 + b * 0.4)
    elif kind == 3:                                 # blotchy carpet
        img = np.repeat(np.repeat(a, SIZE, 1), SIZE, 2)
        canvas = _Canvas(img)
        for _ in range(rng.integers(4, 9)):
            canvas.ellipse(rng.uniform(0, SIZE), rng.uniform(0, SIZE), rng.uniform(4, 16),
                           rng.uniform(4, 16),
                           b.ravel() * rng.uniform(0.7, 1.2) + rng.uniform(-20, 20, 3), 0.6)
    elif kind == 4:                                 # sky over ground
        horizon = np.float32(rng.uniform(28, 54))
        t = _YY / horizon
        img = np.where(_YY < horizon, a * (0.75 + 0.25 * t), b)
    else:                                           # foliage
        img = np.repeat(np.repeat(b, SIZE, 1), SIZE, 2)
        canvas = _Canvas(img)
        for _ in range(rng.integers(5, 10)):
            canvas.ellipse(rng.uniform(0, SIZE), rng.uniform(0, SIZE), rng.uniform(5, 16),
                           rng.uniform(5, 16), b.ravel() * rng.uniform(0.6, 1.3), 0.7)
    return np.ascontiguousarray(img, dtype=np.float32)


# --- the cat: head, two triangle ears, eyes with slit pupils, nose, whiskers ---

def _draw_cat(cv: _Canvas, rng) -> None:
    s = rng.uniform(14, 21)                         # head radius in pixels
    cv.place(rng.uniform(25, 39), rng.uniform(26, 38), rng.uniform(-0.35, 0.35))
    fur = np.clip(_FUR[rng.integers(len(_FUR))] + rng.uniform(-20, 20, 3), 0, 255)
    dark = fur * 0.55
    if rng.random() < 0.5:                          # body peeking out below the head
        cv.ellipse(rng.uniform(-0.4, 0.4) * s, 1.5 * s, 1.3 * s, 1.0 * s, fur)
    ear_h = rng.uniform(0.7, 1.05) * s
    for side in (-1, 1):
        cv.triangle((side * 0.15 * s, -0.35 * s), (side * 0.95 * s, -0.2 * s),
                    (side * 0.62 * s, -0.55 * s - ear_h), fur)
        cv.triangle((side * 0.33 * s, -0.45 * s), (side * 0.8 * s, -0.35 * s),
                    (side * 0.62 * s, -0.45 * s - 0.7 * ear_h), (235, 165, 170), 0.8)
    cv.ellipse(0, 0, s, 0.85 * s, fur)
    if rng.random() < 0.45:                         # tabby stripes on the forehead
        for k in (-1, 0, 1):
            cv.segment((k * 0.25 * s, -0.8 * s), (k * 0.2 * s, -0.45 * s), 0.12 * s, dark)
    if rng.random() < 0.4:                          # lighter muzzle
        cv.ellipse(0, 0.35 * s, 0.5 * s, 0.35 * s, np.clip(fur * 0.5 + 128, 0, 255))
    eye = _EYES[rng.integers(len(_EYES))]
    closed = rng.random() < 0.12
    for side in (-1, 1):
        ex, ey = side * 0.42 * s, -0.12 * s
        if closed:
            cv.segment((ex - 0.18 * s, ey), (ex + 0.18 * s, ey), 1.2, (30, 25, 25))
        else:
            cv.ellipse(ex, ey, 0.2 * s, 0.24 * s, eye)
            cv.ellipse(ex, ey, 0.06 * s + 0.3, 0.2 * s, (15, 15, 15))
    cv.triangle((-0.12 * s, 0.18 * s), (0.12 * s, 0.18 * s), (0, 0.32 * s), (220, 120, 130))
    for side in (-1, 1):
        cv.segment((0, 0.32 * s), (side * 0.12 * s, 0.45 * s), 1, (40, 30, 30), 0.7)
    whisker = (245, 245, 245) if fur.mean() < 140 else (35, 35, 35)
    for side in (-1, 1):
        for k, slope in enumerate((-0.18, 0.0, 0.18)):
            cv.segment((side * 0.22 * s, (0.3 + 0.06 * k) * s),
                       (side * 1.35 * s, (0.3 + 0.06 * k + slope) * s), 0.9, whisker, 0.85)


# --- things that are not cats ---

def _draw_house(cv: _Canvas, rng) -> None:
    cx, base = rng.uniform(18, 46), rng.uniform(44, 60)
    w, h = rng.uniform(12, 20), rng.uniform(12, 20)
    cv.rect(cx - w, base - h, cx + w, base, _colour(rng, 90, 240))
    cv.triangle((cx - w - 3, base - h), (cx + w + 3, base - h),
                (cx, base - h - rng.uniform(8, 18)), _colour(rng, 40, 180))
    cv.rect(cx - 3, base - 9, cx + 3, base, _colour(rng, 30, 120))
    for side in (-1, 1):
        x = cx + side * w * 0.55
        cv.rect(x - 3, base - h + 3, x + 3, base - h + 8, (170, 210, 240))


def _draw_tree(cv: _Canvas, rng) -> None:
    cx, top = rng.uniform(16, 48), rng.uniform(10, 28)
    cv.rect(cx - 3, top + 10, cx + 3, 64, (100, 70, 40))
    green = np.array([rng.uniform(20, 90), rng.uniform(100, 190), rng.uniform(20, 80)])
    for _ in range(rng.integers(2, 5)):
        cv.ellipse(cx + rng.uniform(-8, 8), top + rng.uniform(-3, 10), rng.uniform(7, 14),
                   rng.uniform(7, 13), green * rng.uniform(0.8, 1.2))


def _draw_face(cv: _Canvas, rng) -> None:
    """A round face without pointed ears or whiskers: a person, or a dog with floppy
    ears. These are the look-alikes that keep the task from being trivial."""
    s = rng.uniform(11, 20)
    cv.place(rng.uniform(18, 46), rng.uniform(22, 44), rng.uniform(-0.3, 0.3))
    skin = _FUR[rng.integers(len(_FUR))] if rng.random() < 0.5 else _colour(rng, 120, 240)
    kind = rng.integers(3)
    if kind == 2:                                   # dog: ears hang down the sides
        for side in (-1, 1):
            cv.ellipse(side * 0.95 * s, 0.2 * s, 0.3 * s, 0.75 * s, skin * 0.6)
    cv.ellipse(0, 0, s, s * rng.uniform(0.85, 1.1), skin)
    if kind == 0:                                   # hair or a hat on top
        cv.ellipse(0, -0.75 * s, 0.95 * s, 0.4 * s, _colour(rng, 10, 140))
    for side in (-1, 1):
        cv.ellipse(side * 0.38 * s, -0.12 * s, 0.12 * s, 0.14 * s, (20, 20, 20))
    cv.segment((-0.35 * s, 0.45 * s), (0.35 * s, 0.45 * s), 1.5, (120, 40, 40))
    if kind == 2:
        cv.ellipse(0, 0.22 * s, 0.16 * s, 0.11 * s, (20, 20, 20))


def _draw_car(cv: _Canvas, rng) -> None:
    cx, base = rng.uniform(20, 44), rng.uniform(42, 58)
    w, h = rng.uniform(14, 24), rng.uniform(7, 11)
    body = _colour(rng)
    cv.rect(cx - w, base - h, cx + w, base, body)
    cv.rect(cx - w * 0.55, base - h - 7, cx + w * 0.5, base - h, body)
    cv.rect(cx - w * 0.45, base - h - 5, cx + w * 0.4, base - h - 1, (170, 210, 235))
    for side in (-1, 1):
        cv.ellipse(cx + side * w * 0.6, base, 5, 5, (25, 25, 25))


def _draw_flower(cv: _Canvas, rng) -> None:
    cx, cy, r = rng.uniform(18, 46), rng.uniform(16, 40), rng.uniform(5, 10)
    cv.segment((cx, cy), (cx + rng.uniform(-6, 6), 64), 2.5, (50, 140, 50))
    petal = _colour(rng, 80, 255)
    n = rng.integers(5, 9)
    for k in range(n):
        a = 2 * np.pi * k / n
        cv.ellipse(cx + r * np.cos(a), cy + r * np.sin(a), r * 0.7, r * 0.7, petal)
    cv.ellipse(cx, cy, r * 0.6, r * 0.6, (240, 200, 40))


def _draw_mountains(cv: _Canvas, rng) -> None:
    rock = _colour(rng, 60, 170)
    for _ in range(rng.integers(1, 4)):
        peak_x, peak_y = rng.uniform(0, 64), rng.uniform(8, 35)
        half = rng.uniform(15, 35)
        cv.triangle((peak_x - half, 64), (peak_x + half, 64), (peak_x, peak_y),
                    rock * rng.uniform(0.7, 1.2))
        cv.triangle((peak_x - half * 0.2, peak_y + 7), (peak_x + half * 0.2, peak_y + 7),
                    (peak_x, peak_y), (245, 245, 250))


def _draw_shapes(cv: _Canvas, rng) -> None:
    for _ in range(rng.integers(2, 6)):
        kind = rng.integers(3)
        x, y, r = rng.uniform(8, 56), rng.uniform(8, 56), rng.uniform(4, 14)
        colour = _colour(rng)
        if kind == 0:
            cv.ellipse(x, y, r, r * rng.uniform(0.5, 1.5), colour)
        elif kind == 1:
            cv.triangle((x - r, y + r), (x + r, y + r), (x + rng.uniform(-r, r), y - r), colour)
        else:
            cv.rect(x - r, y - r * 0.6, x + r, y + r * 0.6, colour)


def _draw_sun(cv: _Canvas, rng) -> None:
    cx, cy, r = rng.uniform(14, 50), rng.uniform(12, 40), rng.uniform(7, 13)
    colour = (rng.uniform(220, 255), rng.uniform(170, 230), rng.uniform(20, 90))
    for k in range(10):
        a = 2 * np.pi * k / 10
        cv.segment((cx, cy), (cx + 1.7 * r * np.cos(a), cy + 1.7 * r * np.sin(a)), 2, colour)
    cv.ellipse(cx, cy, r, r, colour)


# Faces appear twice as often as other non-cats because they are the near misses.
_NON_CATS = (_draw_house, _draw_tree, _draw_face, _draw_face, _draw_car, _draw_flower,
             _draw_mountains, _draw_shapes, _draw_sun)


def _image(rng, is_cat: bool) -> np.ndarray:
    img = _background(rng, indoor=rng.random() < (0.85 if is_cat else 0.2))
    canvas = _Canvas(img)
    if is_cat:
        _draw_cat(canvas, rng)
    else:
        _NON_CATS[rng.integers(len(_NON_CATS))](canvas, rng)
    img *= np.float32(rng.uniform(0.7, 1.15))                   # lighting
    img += rng.normal(0, 6, img.shape).astype(np.float32)      # sensor noise
    return np.clip(img, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def _split(rng, m: int, cats: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.zeros(m, np.int64)
    labels[:cats] = 1
    labels = rng.permutation(labels)
    images = np.stack([_image(rng, bool(y)) for y in labels])
    return images, labels.reshape(1, m)


def cat_standin(seed: int = 0) -> Dataset:
    """Drawn cat / non-cat pictures with the shapes and class balance of the course files.

    209 training and 50 test images, 64x64x3 uint8; classes ``["non-cat", "cat"]``.
    """
    rng = np.random.default_rng(seed)
    x_train, y_train = _split(rng, CAT_TRAIN, CAT_TRAIN_CATS)
    x_test, y_test = _split(rng, CAT_TEST, CAT_TEST_CATS)
    return Dataset(name="catvnoncat", kind="images", X_train=x_train, Y_train=y_train,
                   X_test=x_test, Y_test=y_test, classes=["non-cat", "cat"],
                   provenance=f"Procedural stand-in (drawn cats and other pictures, seed "
                              f"{seed}), not the course data: put train_catvnoncat.h5 and "
                              f"test_catvnoncat.h5 in the data folder to use the real set",
                   is_standin=True)
