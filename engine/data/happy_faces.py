"""Drawn faces, smiling or not: the stand-in for the course's Happy House pictures.

The course's photos (test_happy.h5) are all taken the same way: a young man stands
close to the camera outdoors, his head filling the upper middle of the frame (about
half its width, the chin near two thirds down), a dark T-shirt or tank top below.
Behind him the scene is bright, often washed out: trees at the top, a red-brown
brick wall across the middle, pale paving, bushes at the sides, sometimes a car on
the right. The face is often back-lit and darker than the scene. "Happy" is a broad
open smile with the upper teeth showing as a pale band; "not happy" is a closed,
straight mouth, sometimes with the head turned or looking down.

These pictures copy that: a garden scene of random layout and exposure (some with a
door or a plain wall instead, for variety), a head of random skin tone, size,
position, tilt and turn, hair, brows, eyes, nose, optional stubble, and the mouth
that carries the label. Smiles also narrow the eyes and lift the cheeks a little,
as real ones do. Shapes are painted with the cat stand-in's canvas (soft edges,
bounding-box windows) and the scenery with a few whole-picture NumPy steps: 750
pictures take about 2-3 s of CPU.
"""
from __future__ import annotations

import numpy as np

from engine.data.hand_signs import _soften
from engine.data.synthetic import _XX, _YY, SIZE, _Canvas

# Face pixels of the course's photos average about (150, 105, 85) in good light;
# tones from pale to dark, each jittered per picture.
_SKIN = np.array([[214, 168, 140], [196, 146, 118], [176, 124, 96], [160, 110, 84],
                  [138, 94, 70], [112, 74, 54], [86, 58, 42]], np.float32)
_HAIR = np.array([[30, 24, 22], [48, 34, 26], [70, 50, 34], [22, 20, 22], [110, 80, 50],
                  [150, 120, 80]], np.float32)
# Every tone appears, the photos' light-brown ones most often (so the drawn test
# pictures and the real ones ask about the same kind of face).
_SKIN_SHARE = np.array([0.08, 0.2, 0.24, 0.2, 0.14, 0.08, 0.06])
_HAIR_SHARE = np.array([0.3, 0.3, 0.15, 0.15, 0.06, 0.04])
# Mostly the photos' dark T-shirts (navy, black, charcoal), some lighter ones.
_SHIRT = np.array([[28, 32, 58], [24, 24, 28], [60, 60, 68], [40, 44, 70], [96, 96, 110],
                   [120, 60, 50], [70, 90, 70], [170, 170, 175], [30, 30, 45],
                   [50, 50, 60]], np.float32)
_LEAVES = np.array([[96, 128, 50], [130, 160, 70], [70, 100, 40], [160, 180, 100]],
                   np.float32)


def _smooth_noise(rng, cells: int) -> np.ndarray:
    """A 64x64 field of blobs about 64/cells pixels across, values in 0..1: a coarse
    random grid interpolated bilinearly (one cheap step instead of many shapes)."""
    grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
    t = np.linspace(0, cells, SIZE, endpoint=False, dtype=np.float32)
    i = t.astype(np.int64)
    f = (t - i)[:, None]
    rows = grid[i] * (1 - f) + grid[i + 1] * f                       # (64, cells + 1)
    return rows[:, i] * (1 - f.T) + rows[:, i + 1] * f.T


def _paint_mask(img: np.ndarray, mask: np.ndarray, colour) -> None:
    colour = np.asarray(colour, np.float32)
    if colour.ndim == 1:
        colour = colour.reshape(3, 1, 1)
    img += (colour - img) * mask


def _garden(rng) -> np.ndarray:
    """The photos' scene: sky and trees, a brick wall, bright paving, side bushes."""
    glare = rng.uniform(215, 255)
    img = np.empty((3, SIZE, SIZE), np.float32)
    img[:] = (np.array([1.0, 0.99, 0.9], np.float32) * np.float32(glare)).reshape(3, 1, 1)
    wall_top = rng.uniform(12, 26)
    wall_bottom = wall_top + rng.uniform(4, 12)
    # leaves: blotches of green, lit unevenly
    leaf = _LEAVES[rng.integers(len(_LEAVES))].reshape(3, 1, 1)
    leaves = leaf * (np.float32(0.55) + np.float32(0.8) * _smooth_noise(rng, 12))
    blotches = _smooth_noise(rng, int(rng.integers(5, 10)))
    above = np.clip((np.float32(wall_top + 1) - _YY) / np.float32(3), 0, 1)
    amount = rng.uniform(0.3, 0.75)
    _paint_mask(img, np.clip((blotches - np.float32(1 - amount)) * 5, 0, 1) * above,
                leaves)
    brick = np.array([rng.uniform(140, 190), rng.uniform(90, 120), rng.uniform(80, 105)],
                     np.float32)
    cv = _Canvas(img)
    cv.rect(-1, wall_top, SIZE + 1, wall_bottom, brick, rng.uniform(0.6, 1.0))
    # paving below the wall: pale, with a faint diagonal kerb line
    pave = np.float32(rng.uniform(190, 245))
    cv.rect(-1, wall_bottom, SIZE + 1, SIZE + 1, (pave, pave * 0.97, pave * 0.88), 1.0)
    if rng.random() < 0.6:
        y0 = wall_bottom + rng.uniform(4, 14)
        cv.segment((-2, y0 + rng.uniform(4, 12)), (SIZE + 2, y0), rng.uniform(1, 3),
                   (pave * 0.75, pave * 0.72, pave * 0.6), 0.7)
    # bushes low at the sides
    reach = rng.uniform(4, 16, 2).astype(np.float32)
    sides = np.maximum(np.clip((reach[0] - _XX) / 4, 0, 1),
                       np.clip((_XX - (SIZE - reach[1])) / 4, 0, 1))
    below = np.clip((_YY - np.float32(wall_bottom)) / 3, 0, 1)
    _paint_mask(img, np.clip((blotches.T - np.float32(0.35)) * 4, 0, 1) * sides * below,
                leaves[:, ::-1])
    if rng.random() < 0.45:                          # a parked car on the right
        x0, y0 = rng.uniform(50, 60), wall_bottom + rng.uniform(-4, 4)
        car = np.array([rng.uniform(20, 60), rng.uniform(30, 60), rng.uniform(60, 110)],
                       np.float32)
        cv.ellipse(x0 + 8, y0 + 3, 12, 4, car)
    return img


def _indoor(rng) -> np.ndarray:
    """A wall with a door, or a plain wall: the same close-up in another place."""
    wall = np.array([rng.uniform(150, 240)] * 3, np.float32) \
        * np.array([1.0, rng.uniform(0.9, 1.0), rng.uniform(0.75, 0.95)], np.float32)
    img = np.repeat(np.repeat(wall.reshape(3, 1, 1), SIZE, 1), SIZE, 2)
    img *= (1 - np.float32(rng.uniform(0, 0.2)) * (_YY / np.float32(SIZE)))
    if rng.random() < 0.7:
        cv = _Canvas(img)
        x0 = rng.uniform(-10, 44)
        door = np.array([rng.uniform(60, 200), rng.uniform(40, 170), rng.uniform(20, 140)],
                        np.float32)
        cv.rect(x0, rng.uniform(-2, 8), x0 + rng.uniform(18, 30), SIZE + 1, door * 0.8)
        cv.rect(x0 + 2, rng.uniform(0, 10), x0 + rng.uniform(16, 27), SIZE + 1, door)
    return img


def _body(cv: _Canvas, rng, cx, chin, w, skin) -> None:
    """Neck and shoulders in a shirt (now and then a tank top showing the shoulders)."""
    # mostly the dark shirts of the photos
    pick = rng.integers(len(_SHIRT)) if rng.random() < 0.4 else rng.choice((0, 1, 3, 8))
    shirt = np.clip(_SHIRT[pick] + rng.uniform(-10, 10, 3), 0, 255)
    neck = skin * np.float32(0.72)
    cv.place(cx, chin, 0.0)
    cv.rect(-0.5 * w, -0.4 * w, 0.5 * w, 0.55 * w, neck)
    top = 0.35 * w
    if rng.random() < 0.15:                          # tank top: bare shoulders
        cv.ellipse(0, top + 1.6 * w, 2.6 * w, 1.6 * w, skin * np.float32(0.85))
        cv.ellipse(0, top + 1.9 * w, 1.3 * w, 1.6 * w, shirt)
    else:
        cv.ellipse(0, top + 1.7 * w, rng.uniform(2.4, 3.0) * w, 1.7 * w, shirt)
        cv.ellipse(0, top + 0.05 * w, 0.55 * w, 0.3 * w, neck)   # the neckline


def _eye(cv: _Canvas, x, y, w, squint, dark) -> None:
    cv.ellipse(x, y - 0.02 * w, 0.24 * w, 0.13 * w, dark * np.float32(1.25), 0.6)  # socket
    cv.ellipse(x, y, 0.15 * w, max(0.08 * w * squint, 0.5), (200, 190, 185), 0.5)
    cv.ellipse(x, y, 0.07 * w, max(0.07 * w * squint, 0.5), (35, 25, 20))


def _mouth(cv: _Canvas, rng, y, w, happy, skin) -> None:
    lip = skin * np.array([0.78, 0.62, 0.62], np.float32)
    if happy:
        half = rng.uniform(0.45, 0.6) * w
        if rng.random() < 0.92:                      # an open smile: teeth and a dark gap
            depth = rng.uniform(0.24, 0.36) * w
            cv.ellipse(0, y, half, depth, (75, 38, 38))            # the open mouth
            teeth = np.float32(rng.uniform(215, 255))
            cv.ellipse(0, y - 0.45 * depth, half * 0.85, depth * 0.55,
                       (teeth, teeth * 0.97, teeth * 0.9))
            cv.rect(-half * 1.05, y - depth - 2, half * 1.05, y - 0.55 * depth, lip)
            cv.ellipse(0, y - 0.55 * depth, half, 0.12 * w, lip)
        else:                                        # a closed smile, corners up
            for sign in (-1, 1):
                cv.segment((0, y + 0.08 * w), (sign * half, y - 0.1 * w), 0.09 * w + 0.6,
                           (70, 35, 32))
        for sign in (-1, 1):                         # smile lines and raised cheeks
            cv.segment((sign * half, y - 0.12 * w), (sign * (half + 0.12 * w), y - 0.45 * w),
                       0.07 * w, skin * np.float32(0.7), 0.6)
            cv.ellipse(sign * 0.45 * w, y - 0.45 * w, 0.22 * w, 0.14 * w,
                       np.minimum(skin * np.float32(1.12), 255), 0.5)
    else:
        half = rng.uniform(0.22, 0.36) * w
        bend = rng.uniform(-0.04, 0.07) * w          # straight, or corners a little down
        # closed lips are only a little darker than the skin around them
        colour = lip * np.float32(rng.uniform(0.7, 0.95)) if rng.random() < 0.75 \
            else (90, 50, 46)
        for sign in (-1, 1):
            cv.segment((0, y - bend), (sign * half, y + bend), 0.07 * w + 0.6, colour)
        if rng.random() < 0.5:                       # the lower lip's light and shadow
            cv.ellipse(0, y + 0.1 * w, half * 0.7, 0.06 * w, lip, 0.5)
        if rng.random() < 0.1:                       # slightly parted, no teeth
            cv.ellipse(0, y, 0.12 * w, 0.06 * w, (50, 25, 25))


def _head(cv: _Canvas, rng, happy: bool) -> None:
    w = rng.uniform(13.5, 16)                        # half-width of the face, pixels
    h = w * rng.uniform(1.2, 1.32)
    cx, cy = rng.uniform(28.5, 35.5), rng.uniform(25, 29)
    tilt = rng.normal(0, 0.08)
    turn = np.clip(rng.normal(0, 0.12 if happy else 0.2), -0.5, 0.5)    # head turned
    nod = rng.normal(0.03, 0.06 if happy else 0.09)                  # looking down > 0
    skin = np.clip(_SKIN[rng.choice(len(_SKIN), p=_SKIN_SHARE)] + rng.uniform(-8, 8, 3),
                   0, 255)
    hair = np.clip(_HAIR[rng.choice(len(_HAIR), p=_HAIR_SHARE)] + rng.uniform(-8, 8, 3),
                   0, 255)
    dark = skin * np.float32(0.55)

    _body(cv, rng, cx, cy + 0.95 * h, w, skin)
    cv.place(cx, cy, tilt)
    # the hair is the whole head's outline; the face is painted over it from a
    # hairline that arches over the forehead down to the chin
    cv.ellipse(0, -0.1 * h, 1.06 * w, 1.02 * h, hair)
    for sign in (-1, 1):                                                # ears
        cv.ellipse(sign * 0.98 * w, 0.05 * h, 0.16 * w, 0.24 * h, skin * np.float32(0.85))
    hairline = rng.uniform(0.55, 0.8) * h
    cv.ellipse(0, (h - hairline) / 2, 0.98 * w, (h + hairline) / 2, skin)
    # a soft shade on the side turned away from the light
    side = 1 if rng.random() < 0.5 else -1
    cv.ellipse(side * 0.55 * w, 0.1 * h, 0.55 * w, 0.9 * h, dark, rng.uniform(0.1, 0.45))
    if rng.random() < 0.75:                       # stubble or a beard round the mouth
        cv.ellipse(0, 0.62 * h, 0.82 * w, 0.42 * h, skin * np.float32(0.55),
                   rng.uniform(0.4, 0.8))
        cv.ellipse(0, 0.2 * h, 0.9 * w, 0.3 * h, skin, 1.0)
    if rng.random() < 0.35:                                             # a fringe
        cv.ellipse(rng.uniform(-0.3, 0.3) * w, -hairline, 0.6 * w, 0.14 * h, hair)

    # features move with the turn (sideways) and the nod (down)
    fx, fy = turn * w, nod * h
    squint = rng.uniform(0.35, 0.75) if happy else rng.uniform(0.75, 1.15)
    eye_y = -0.12 * h + fy
    for sign in (-1, 1):
        x = fx + sign * 0.4 * w * (1 - 0.35 * sign * turn)
        cv.segment((x - 0.22 * w, eye_y - 0.2 * h), (x + 0.22 * w, eye_y - 0.2 * h
                                                      - sign * 0.03 * h * rng.normal()),
                   0.09 * w + 0.5, hair * np.float32(0.9))           # brow
        _eye(cv, x, eye_y, w, squint, dark)
    nose_x = fx * 1.2
    cv.segment((nose_x + 0.05 * w, eye_y + 0.05 * h), (nose_x + 0.1 * w, 0.28 * h + fy),
               0.12 * w, dark, 0.45)
    cv.ellipse(nose_x, 0.3 * h + fy, 0.18 * w, 0.07 * h, dark * np.float32(0.9), 0.6)
    cv.place(cx + fx * np.cos(tilt), cy + fx * np.sin(tilt), tilt)
    _mouth(cv, rng, 0.52 * h + fy, w * (1 - 0.25 * abs(turn)), happy, skin)


def _lighting(img: np.ndarray, rng) -> None:
    """Back-light, exposure and colour cast, then sensor noise; in place.

    The photos are often exposed for the bright scene, leaving the face dark: the
    middle of the frame is darkened by a broad blob as much as 60%."""
    if rng.random() < 0.7:
        depth = np.float32(rng.uniform(0.1, 0.65))
        cx, cy = rng.uniform(24, 40), rng.uniform(28, 48)
        r2 = np.float32(rng.uniform(18, 30) ** 2)
        blob = np.exp(-((_XX - np.float32(cx)) ** 2 + (_YY - np.float32(cy)) ** 2) / r2)
        img *= 1 - depth * blob
    # wide swings of exposure, contrast and colour cast: what a camera at a door gets
    # through the day, and nothing a smile detector should rely on
    mean = img.mean()
    img -= mean
    img *= np.float32(rng.uniform(0.7, 1.25))
    img += mean
    img *= (np.float32(rng.uniform(0.65, 1.2))
            * (1 + rng.uniform(-0.12, 0.12, 3)).astype(np.float32).reshape(3, 1, 1))
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(rng.uniform(1, 4))


def draw_face(rng, happy: bool) -> np.ndarray:
    """One 64x64x3 uint8 picture of a face, smiling when ``happy``."""
    img = _garden(rng) if rng.random() < 0.8 else _indoor(rng)
    _head(_Canvas(img), rng, bool(happy))
    _soften(img)
    if rng.random() < 0.5:
        _soften(img)
    _lighting(img, rng)
    return np.clip(img, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def happy_face_pictures(rng, labels: np.ndarray) -> np.ndarray:
    """Pictures ``(m, 64, 64, 3)`` uint8, smiling where ``labels`` is 1."""
    return np.stack([draw_face(rng, int(y) == 1) for y in labels])
