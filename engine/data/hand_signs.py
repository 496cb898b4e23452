"""Drawn hand signs for the digits 0 to 5: the stand-in for the course's SIGNS photos.

The course's photos are all alike in everything but the sign: one hand, palm to the
camera, held up roughly in the middle of a plain light wall with a soft shadow, the
forearm coming in from the bottom edge. These pictures copy that: a warm off-white
background with gentle shading, a hand of a realistic skin tone with modest jitter
in position, size and tilt, and the finger patterns of the SIGNS digits: 0 is an
"O" made by the curled fingers and the thumb, 1 the index finger, 2 index and middle
spread as a V, 3 middle, ring and little finger with thumb and index touching,
4 four fingers with the thumb folded, 5 the open hand.

Shapes are painted with the cat stand-in's canvas (soft edges, bounding-box
windows), which keeps 1,200 pictures under two seconds.
"""
from __future__ import annotations

import math

import numpy as np

from engine.data.synthetic import _XX, _YY, SIZE, _Canvas

# Skin tones of the course's photos: their hand pixels average about (152, 107, 82)
# (these pictures: about (144, 100, 76)); each picture jitters its tone a little.
# The contrast against the wall matters for more than looks. The course's first Adam
# steps move every weight by about the learning rate; with 12,288 positive inputs
# that shifts each ReLU's input by about one unit per step for all pictures alike,
# and when the pictures differ too little every ReLU is switched off for good and
# the run stalls at a cost of about 1.85 (uniform guesses). Paler hands made that
# more frequent; it still happens for some initialisation seeds (2, 3 and 4 of 1-7
# stalled within 60 epochs; the lesson's seed 1 learns).
_SKIN = np.array([[180, 128, 98], [168, 116, 88], [158, 108, 80], [146, 98, 72],
                  [132, 88, 64], [116, 76, 54]], np.float32)

# Finger order in these arrays: index, middle, ring, little.
_LENGTH = (1.5, 1.65, 1.52, 1.2)      # in units of the palm's half-width
_WIDTH = (0.38, 0.4, 0.38, 0.33)
# Which of (index, middle, ring, little) are raised, and whether the thumb is.
_RAISED = {1: ((1, 0, 0, 0), False), 2: ((1, 1, 0, 0), False), 3: ((0, 1, 1, 1), False),
           4: ((1, 1, 1, 1), False), 5: ((1, 1, 1, 1), True)}


def _background(rng) -> np.ndarray:
    """A plain off-white wall (the photos' top corners average about (228, 222, 212)),
    darker toward the bottom as in the photos, with a slight side light."""
    level = rng.uniform(216, 238)
    tint = np.array([6, 0, -9], np.float32) + rng.uniform(-2, 2, 3).astype(np.float32)
    fall = np.float32(rng.uniform(0.08, 0.24))       # the photos' lower corners: ~185
    side = np.float32(rng.uniform(-0.06, 0.06))
    shade = 1 - fall * (_YY / np.float32(SIZE)) ** 2 + side * (_XX / np.float32(SIZE) - 0.5)
    img = (np.float32(level) + tint).reshape(3, 1, 1) * shade
    return np.ascontiguousarray(img, dtype=np.float32)


def _finger(cv: _Canvas, base, angle, length, width, skin, outline) -> None:
    tip = (base[0] + length * math.sin(angle), base[1] - length * math.cos(angle))
    cv.segment(base, tip, width + 1.0, outline)
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


def _knuckle(cv: _Canvas, base, s, skin, outline) -> None:
    """A finger folded into the palm: a rounded bump on the palm's upper edge."""
    cv.ellipse(base[0], base[1] + 0.15 * s, 0.24 * s + 0.5, 0.3 * s + 0.5, outline)
    cv.ellipse(base[0], base[1] + 0.15 * s, 0.24 * s, 0.3 * s, skin)


def _draw_hand(cv: _Canvas, rng, digit: int) -> None:
    s = rng.uniform(11.5, 13.5)                      # half-width of the palm, pixels
    mirror = 1.0 if rng.random() < 0.5 else -1.0    # left or right hand
    cx, cy, tilt = rng.uniform(26, 34), rng.uniform(40, 45), rng.uniform(-0.25, 0.25)
    skin = np.clip(_SKIN[rng.integers(len(_SKIN))] + rng.uniform(-6, 6, 3), 0, 255)
    outline = skin * np.float32(0.78)
    light = np.minimum(skin * 1.08 + 6, 255)
    # the forearm runs off the bottom edge, in the photos mostly toward the right
    lean = rng.uniform(0.0, 1.0) * s
    arm_end = (lean * 4, 5.5 * s)

    # a soft shadow of the hand on the wall behind it, toward the right
    cv.place(cx + rng.uniform(2, 5), cy + rng.uniform(0, 3), tilt)
    cv.segment((0, 0.4 * s), arm_end, 1.4 * s, (60, 50, 45), 0.2)
    cv.ellipse(0, -0.6 * s, 1.2 * s, 1.7 * s, (60, 50, 45), 0.2)

    cv.place(cx, cy, tilt)
    cv.segment((0, 0.4 * s), arm_end, 1.6 * s + 1.0, outline)
    cv.segment((0, 0.4 * s), arm_end, 1.6 * s, skin * np.float32(rng.uniform(0.75, 0.95)))
    if digit == 0:
        # a fist whose curled fingers meet the thumb in a ring above it, the
        # wall showing through the hole
        cv.ellipse(0, 0, 0.95 * s + 0.6, 1.1 * s + 0.6, outline)
        cv.ellipse(0, 0, 0.95 * s, 1.1 * s, skin)
        radius = rng.uniform(0.55, 0.8) * s
        centre = (rng.uniform(-0.3, 0.1) * s * mirror, -0.6 * s - radius)
        for width, colour in ((0.55 * s + 1.0, outline), (0.55 * s, skin)):
            _ring(cv, *centre, radius, width, colour, gap=0.7)
        cv.ellipse(0.1 * s * mirror, 0.1 * s, 0.45 * s, 0.55 * s, light, 0.5)
        return
    cv.ellipse(0, 0, s + 0.6, 1.1 * s + 0.6, outline)
    cv.ellipse(0, 0, s, 1.1 * s, skin)
    cv.ellipse(0.1 * s * mirror, 0.1 * s, 0.55 * s, 0.6 * s, light, 0.5)

    raised, thumb_up = _RAISED[digit]
    jitter = rng.normal(0, 0.05, 5)
    spread = rng.uniform(0.24, 0.42) if digit in (3, 5) else rng.uniform(0.06, 0.22)
    for k in range(4):
        base = ((-0.7 + 0.47 * k) * s * mirror, -0.9 * s)
        if not raised[k]:
            continue
        if digit == 2:                               # a V: the two fingers lean apart
            angle = (-1 if k == 0 else 1) * rng.uniform(0.12, 0.3)
        else:
            angle = (k - 1.5) * spread
        _finger(cv, base, (angle + jitter[k]) * mirror,
                _LENGTH[k] * s * rng.uniform(0.92, 1.08), _WIDTH[k] * s, skin, outline)
    for k in range(4):                               # folded fingers, drawn over the palm
        if not raised[k] and not (digit == 3 and k == 0):
            _knuckle(cv, ((-0.7 + 0.47 * k) * s * mirror, -0.9 * s), s, skin, outline)

    thumb_base = (-0.85 * s * mirror, 0.25 * s)
    if thumb_up:                                     # spread out to the side
        _finger(cv, thumb_base, (-1.15 + jitter[4]) * mirror, 1.25 * s, 0.46 * s,
                skin, outline)
    elif digit == 3:
        # thumb and index finger touch: a small loop at the palm's upper corner
        centre = (-0.95 * s * mirror, -1.1 * s)
        for width, colour in ((0.36 * s + 1.0, outline), (0.36 * s, skin)):
            _ring(cv, *centre, 0.38 * s, width, colour, gap=0.0)
    else:                                            # folded across the palm
        tip = (0.1 * s * mirror, -0.45 * s)
        cv.segment(thumb_base, tip, 0.44 * s + 1.0, outline)
        cv.segment(thumb_base, tip, 0.44 * s, skin)


def _soften(img: np.ndarray) -> None:
    """A 3x3 binomial blur in place: the photos are slightly soft, never crisp."""
    for axis in (1, 2):
        a = np.swapaxes(img, 0, axis)              # a view: writes land in img
        inner = a[1:-1] * np.float32(0.5) + (a[:-2] + a[2:]) * np.float32(0.25)
        a[1:-1] = inner


def _lighting(img: np.ndarray, rng) -> None:
    """Overall exposure and a little sensor noise, in place."""
    img *= np.float32(rng.uniform(0.92, 1.04))
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(rng.uniform(1, 3))


def draw_hand_sign(rng, digit: int) -> np.ndarray:
    """One 64x64x3 uint8 picture of a hand showing ``digit`` (0..5)."""
    img = _background(rng)
    _draw_hand(_Canvas(img), rng, digit)
    _soften(img)
    _lighting(img, rng)
    return np.clip(img, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def hand_sign_pictures(rng, labels: np.ndarray) -> np.ndarray:
    """Pictures ``(m, 64, 64, 3)`` uint8 for the digits in ``labels``."""
    return np.stack([draw_hand_sign(rng, int(y)) for y in labels])
