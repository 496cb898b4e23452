"""Drawn hand signs for the digits 0 to 5: the stand-in for the course's SIGNS photos.

Each picture is a forearm coming up from the bottom edge into a palm with as many
fingers raised as the digit, following the SIGNS conventions: 0 is an "O" made by
the curled fingers and the thumb, 3 is thumb + index + middle, 4 is four fingers
with the thumb folded, 5 is the open hand. Skin tone, left or right hand, size,
position, tilt, finger spread, sleeves, background and lighting vary, so a model
has to look at the fingers rather than at a fixed pixel pattern.

Shapes are painted with the cat stand-in's canvas (soft edges, bounding-box
windows), which keeps 1,200 pictures at about a second.
"""
from __future__ import annotations

import math

import numpy as np

from engine.data.synthetic import _XX, _YY, SIZE, _Canvas

# From pale to deep brown; each picture jitters its tone a little.
_SKIN = np.array([[250, 218, 190], [238, 192, 160], [222, 170, 132], [200, 142, 102],
                  [168, 112, 76], [128, 84, 56], [92, 60, 42]], np.float32)
_CLOTH = np.array([[40, 60, 120], [150, 30, 40], [30, 30, 35], [90, 90, 95],
                   [40, 110, 70], [200, 200, 205], [120, 80, 150], [200, 150, 40]],
                  np.float32)

# Finger order in these arrays: index, middle, ring, little.
_LENGTH = (1.45, 1.6, 1.48, 1.15)     # in units of the palm's half-width
_WIDTH = (0.44, 0.46, 0.44, 0.38)
# Which of (index, middle, ring, little) are raised, and whether the thumb is.
_RAISED = {1: ((1, 0, 0, 0), False), 2: ((1, 1, 0, 0), False), 3: ((1, 1, 0, 0), True),
           4: ((1, 1, 1, 1), False), 5: ((1, 1, 1, 1), True)}


def _background(rng) -> np.ndarray:
    """Mostly a pale wall, as in the course's photos; sometimes colour or a table."""
    kind = rng.choice(4, p=(0.7, 0.14, 0.08, 0.08))
    if kind == 0:                                   # pale wall
        a = np.full(3, rng.uniform(195, 245), np.float32) + rng.uniform(-12, 8, 3)
    else:                                           # a painted wall, light colours
        a = rng.uniform(130, 240, 3).astype(np.float32)
    img = np.empty((3, SIZE, SIZE), np.float32)
    img[:] = a.reshape(3, 1, 1)
    if kind == 2:                                   # a table top under the hand
        edge = np.float32(rng.uniform(40, 60))
        table = rng.uniform(90, 220, 3).astype(np.float32).reshape(3, 1, 1)
        img = np.where(_YY > edge, table, img)
    elif kind == 3:                                 # striped cloth or blinds
        period, angle = rng.uniform(6, 16), rng.uniform(0, math.pi)
        phase = (_XX * np.float32(math.cos(angle)) + _YY * np.float32(math.sin(angle))) \
            * np.float32(2 * math.pi / period)
        img = np.where(np.sin(phase) > 0, img, img * np.float32(0.88))
    return np.ascontiguousarray(img, dtype=np.float32)


def _finger(cv: _Canvas, base, angle, length, width, skin, outline) -> None:
    tip = (base[0] + length * math.sin(angle), base[1] - length * math.cos(angle))
    cv.segment(base, tip, width + 1.4, outline)
    cv.segment(base, tip, width, skin)


def _ring(cv: _Canvas, cu, cv_, radius, width, colour, gap) -> None:
    """A thick circle open at the bottom by ``gap`` radians (where it meets the palm)."""
    found = cv._window([(cu - radius - width, cv_ - radius - width),
                        (cu + radius + width, cv_ + radius + width)], 1)
    if found:
        win, u, v = found
        du, dv = u - np.float32(cu), v - np.float32(cv_)
        band = np.clip(np.float32(width / 2 + 0.5) - np.abs(np.hypot(du, dv)
                                                            - np.float32(radius)), 0, 1)
        band[(dv > 0) & (np.abs(du) < dv * np.float32(math.tan(gap / 2)))] = 0
        cv._paint(win, band, colour, 1.0)


def _draw_hand(cv: _Canvas, rng, digit: int) -> None:
    s = rng.uniform(10.5, 12.5)                       # half-width of the palm, pixels
    mirror = 1.0 if rng.random() < 0.5 else -1.0    # left or right hand
    cx, cy, tilt = rng.uniform(28, 36), rng.uniform(41, 46), rng.uniform(-0.25, 0.25)
    skin = np.clip(_SKIN[rng.integers(len(_SKIN))] + rng.uniform(-14, 14, 3), 0, 255)
    outline = skin * np.float32(0.62)
    lean = rng.uniform(-0.6, 0.6) * s               # the forearm runs off the bottom edge
    arm_end = (lean * 4, 5.5 * s)

    # a soft shadow of palm and arm on the wall behind, toward the bottom right
    cv.place(cx + rng.uniform(1, 4), cy + rng.uniform(1, 4), tilt)
    cv.segment((0, 0.4 * s), arm_end, 1.7 * s, (0, 0, 0), 0.16)
    cv.ellipse(0, -0.4 * s, 1.3 * s, 1.7 * s, (0, 0, 0), 0.16)

    cv.place(cx, cy, tilt)
    cv.segment((0, 0.4 * s), arm_end, 1.55 * s + 1.4, outline)
    cv.segment((0, 0.4 * s), arm_end, 1.55 * s, skin)
    if rng.random() < 0.4:                          # a sleeve
        start = rng.uniform(2.2, 3.4)
        cv.segment((lean * start * 0.8, start * s), arm_end, 1.9 * s,
                   _CLOTH[rng.integers(len(_CLOTH))] * rng.uniform(0.8, 1.2))
    cv.ellipse(0, 0, s + 0.7, 1.15 * s + 0.7, outline)
    cv.ellipse(0, 0, s, 1.15 * s, skin)
    cv.ellipse(0.1 * s * mirror, 0.1 * s, 0.55 * s, 0.6 * s,
               np.minimum(skin * 1.08 + 8, 255), 0.5)

    jitter = rng.normal(0, 0.06, 5)
    spread = rng.uniform(0.04, 0.22)
    if digit == 0:
        # curled fingers meet the thumb: a ring above the palm with a hole in it
        radius = rng.uniform(0.6, 0.8) * s
        centre = (-0.15 * s * mirror, -0.75 * s - radius)
        for width, colour in ((0.46 * s + 1.4, outline), (0.46 * s, skin)):
            _ring(cv, *centre, radius, width, colour, gap=0.6)
    for k in range(4):
        base = ((-0.72 + 0.48 * k) * s * mirror, -0.9 * s)
        raised = digit in _RAISED and _RAISED[digit][0][k]
        if raised:
            angle = ((k - 1.5) * spread + jitter[k]) * mirror
            _finger(cv, base, angle, _LENGTH[k] * s * rng.uniform(0.9, 1.1), _WIDTH[k] * s,
                    skin, outline)
        else:                                       # a folded finger: a knuckle bump
            cv.ellipse(base[0], base[1] + 0.1 * s, 0.27 * s + 0.6, 0.3 * s + 0.6, outline)
            cv.ellipse(base[0], base[1] + 0.1 * s, 0.27 * s, 0.3 * s, skin)
    thumb_base = (-0.8 * s * mirror, 0.15 * s)
    if digit in _RAISED and _RAISED[digit][1]:
        _finger(cv, thumb_base, (-0.95 + jitter[4]) * mirror, 1.25 * s, 0.52 * s,
                skin, outline)
    elif digit != 0:                                # folded across the palm
        tip = (0.05 * s * mirror, -0.35 * s)
        cv.segment(thumb_base, tip, 0.5 * s + 1.4, outline)
        cv.segment(thumb_base, tip, 0.5 * s, skin)


def _lighting(img: np.ndarray, rng) -> None:
    """A light source from one side, overall exposure and sensor noise, in place."""
    angle = rng.uniform(0, 2 * math.pi)
    slope = np.float32(rng.uniform(0, 0.25) / SIZE)
    gradient = (_XX - SIZE / 2) * np.float32(math.cos(angle)) \
        + (_YY - SIZE / 2) * np.float32(math.sin(angle))
    img *= (np.float32(rng.uniform(0.78, 1.1)) + slope * gradient)
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(rng.uniform(2, 6))


def draw_hand_sign(rng, digit: int) -> np.ndarray:
    """One 64x64x3 uint8 picture of a hand showing ``digit`` (0..5)."""
    img = _background(rng)
    _draw_hand(_Canvas(img), rng, digit)
    _lighting(img, rng)
    return np.clip(img, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def hand_sign_pictures(rng, labels: np.ndarray) -> np.ndarray:
    """Pictures ``(m, 64, 64, 3)`` uint8 for the digits in ``labels``."""
    return np.stack([draw_hand_sign(rng, int(y)) for y in labels])
