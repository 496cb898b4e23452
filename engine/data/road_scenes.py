"""Procedurally drawn road scenes with ground-truth boxes, for the embedded detector.

A scene is a perspective road (lanes converging on a vanishing point, sky, roadside,
buildings and trees) with cars, buses or trucks, pedestrians and traffic lights of
varied size, colour, position, overlap and lighting. Every size comes from one
ground-plane model (pixels per metre grow linearly below the horizon), so objects
shrink towards the horizon as in a photograph. A scene is fully determined by its
seed; each scene uses its own random generator, never NumPy's global one.

Boxes are ``(x1, y1, x2, y2)`` in pixels of the returned image (float32), classes are
indexes into ``CLASS_NAMES``.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CLASS_NAMES = ("car", "bus/truck", "person", "traffic light")
CAR, BIG_VEHICLE, PERSON, TRAFFIC_LIGHT = range(4)

ROAD_WIDTH_M = 10.0      # the road spans u in [-1, 1] across this many metres
MIN_BOX_SIDE = 6.0       # smaller objects are dropped from the ground truth
MIN_VISIBLE = 0.35       # an object hidden more than this is dropped too

_CAR_COLOURS = np.array([[200, 30, 30], [30, 60, 170], [230, 230, 230], [25, 25, 28],
                         [150, 150, 155], [210, 180, 40], [30, 120, 60], [120, 20, 40],
                         [90, 140, 200], [230, 110, 20], [100, 70, 50]], np.float64)


@dataclass
class Scene:
    image: np.ndarray      # (H, W, 3) uint8 RGB
    boxes: np.ndarray      # (N, 4) float32 x1, y1, x2, y2
    classes: np.ndarray    # (N,) int32 indexes into CLASS_NAMES


class _Layout:
    """The ground plane: where the horizon is and how many pixels a metre is at a row."""

    def __init__(self, rng, height, width):
        self.h, self.w = height, width
        self.horizon = height * rng.uniform(0.33, 0.5)
        self.vanish_x = width * rng.uniform(0.35, 0.65)
        # half road width in pixels per pixel below the horizon
        self.spread = rng.uniform(1.1, 2.0) * width / (height - self.horizon) / 2

    def x_at(self, u, y):
        return self.vanish_x + u * self.spread * (y - self.horizon)

    def px_per_m(self, y):
        return 2 * self.spread * (y - self.horizon) / ROAD_WIDTH_M


def _colour(rng, base, jitter=25):
    return tuple(float(c) for c in np.clip(base + rng.normal(0, jitter, 3), 0, 255))


def _draw_background(rng, img, lay):
    h, w = lay.h, lay.w
    hz = int(lay.horizon)
    top = np.array(rng.choice([[70, 130, 210], [150, 170, 190], [230, 150, 90],
                               [40, 50, 90]]), np.float64)
    bottom = np.clip(top + rng.uniform(30, 80), 0, 255)
    ramp = np.linspace(0, 1, max(hz, 1))[:, None, None]
    img[:hz] = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)
    ground = _colour(rng, np.array([90, 130, 70]) if rng.random() < 0.6
                     else np.array([150, 140, 120]), 20)
    img[hz:] = np.array(ground, np.uint8)
    # buildings and trees along the horizon
    x = -rng.uniform(0, 30)
    while x < w:
        bw = rng.uniform(0.06, 0.2) * w
        if rng.random() < 0.6:
            bh = rng.uniform(0.08, 0.3) * h
            col = _colour(rng, np.array(rng.choice([[170, 160, 150], [120, 90, 80],
                                                    [200, 190, 170], [90, 95, 110]])))
            cv2.rectangle(img, (int(x), int(hz - bh)), (int(x + bw), hz), col, -1)
            win = tuple(c * 0.55 for c in col)
            step = max(4, int(bw / 5))
            for wx in range(int(x + step / 2), int(x + bw - 2), step):
                for wy in range(int(hz - bh + step / 2), hz - 3, step):
                    cv2.rectangle(img, (wx, wy), (wx + max(1, step // 3), wy + max(1, step // 3)),
                                  win, -1)
        else:
            r = rng.uniform(0.02, 0.06) * w
            cx = int(x + bw / 2)
            cv2.rectangle(img, (cx - max(1, int(r / 5)), int(hz - r * 1.5)), (cx + max(1, int(r / 5)), hz),
                          (80, 60, 40), -1)
            cv2.circle(img, (cx, int(hz - r * 1.8)), int(r), _colour(rng, np.array([50, 110, 50])), -1)
        x += bw + rng.uniform(0, 0.08) * w
    # the road and its lane markings
    road = _colour(rng, np.array([85, 85, 90]), 15)
    pts = np.array([[lay.x_at(-1, h), h], [lay.vanish_x - 1, hz], [lay.vanish_x + 1, hz],
                    [lay.x_at(1, h), h]], np.int32)
    cv2.fillPoly(img, [pts], road)
    kerb = _colour(rng, np.array([170, 170, 165]), 10)
    for side in (-1, 1):
        p = np.array([[lay.x_at(side, h), h], [lay.vanish_x, hz],
                      [lay.x_at(side * 1.35, h), h]], np.int32)
        cv2.fillPoly(img, [p], kerb)
    lanes = int(rng.integers(2, 5))
    dash = rng.random() < 0.7
    for k in range(1, lanes):
        u = -1 + 2 * k / lanes
        y = float(hz + 2)
        while y < h:
            seg = max(2.0, (y - hz) * 0.25)
            y2 = min(h, y + seg)
            thick = max(1, int(lay.px_per_m(y2) * 0.15))
            cv2.line(img, (int(lay.x_at(u, y)), int(y)), (int(lay.x_at(u, y2)), int(y2)),
                     (235, 235, 220), thick)
            y = y2 + (seg if dash else 0)


def _vehicle(rng, img, ids, idx, lay, y_bottom, u, big):
    ppm = lay.px_per_m(y_bottom)
    side_view = rng.random() < 0.25
    if big:
        width_m = rng.uniform(2.3, 2.6) if not side_view else rng.uniform(6, 9)
        height_m = rng.uniform(2.8, 3.6)
    else:
        width_m = rng.uniform(1.6, 1.95) if not side_view else rng.uniform(3.8, 4.8)
        height_m = rng.uniform(1.3, 1.7)
    bw, bh = width_m * ppm, height_m * ppm
    cx = lay.x_at(u, y_bottom)
    x1, y1, x2, y2 = cx - bw / 2, y_bottom - bh, cx + bw / 2, y_bottom
    colour = _colour(rng, _CAR_COLOURS[rng.integers(len(_CAR_COLOURS))], 18)
    dark = tuple(c * 0.45 for c in colour)
    glass = _colour(rng, np.array([60, 75, 95]), 15)
    # shadow on the road first, so it sits under the body
    cv2.ellipse(img, (int(cx), int(y2)), (int(bw * 0.6), max(1, int(bh * 0.08))), 0, 0, 360,
                (40, 40, 45), -1)
    sil = []
    if big:
        body = [(x1, y1), (x2, y1), (x2, y2 - 0.08 * bh), (x1, y2 - 0.08 * bh)]
        sil.append(body)
        cv2.fillPoly(img, [np.int32(body)], colour)
        if side_view:
            for wx in np.arange(x1 + 0.05 * bw, x2 - 0.1 * bw, 0.09 * bw):
                cv2.rectangle(img, (int(wx), int(y1 + 0.15 * bh)),
                              (int(wx + 0.06 * bw), int(y1 + 0.45 * bh)), glass, -1)
        else:
            cv2.rectangle(img, (int(x1 + 0.08 * bw), int(y1 + 0.1 * bh)),
                          (int(x2 - 0.08 * bw), int(y1 + 0.4 * bh)), glass, -1)
    else:
        roof = 0.45 * bh
        inset = (0.18 if not side_view else 0.22) * bw
        cabin = [(x1 + inset, y1), (x2 - inset, y1), (x2 - 0.06 * bw, y1 + roof),
                 (x1 + 0.06 * bw, y1 + roof)]
        body = [(x1, y1 + roof), (x2, y1 + roof), (x2, y2 - 0.1 * bh), (x1, y2 - 0.1 * bh)]
        sil += [cabin, body]
        cv2.fillPoly(img, [np.int32(cabin)], colour)
        win = [(x1 + inset + 0.05 * bw, y1 + 0.1 * bh), (x2 - inset - 0.05 * bw, y1 + 0.1 * bh),
               (x2 - 0.12 * bw, y1 + roof), (x1 + 0.12 * bw, y1 + roof)]
        cv2.fillPoly(img, [np.int32(win)], glass)
        cv2.fillPoly(img, [np.int32(body)], colour)
        if not side_view:   # tail lights and number plate
            lw = max(1, int(0.14 * bw))
            for lx in (x1 + 0.04 * bw, x2 - 0.04 * bw - lw):
                cv2.rectangle(img, (int(lx), int(y1 + roof + 0.1 * bh)),
                              (int(lx + lw), int(y1 + roof + 0.22 * bh)), (210, 30, 25), -1)
            cv2.rectangle(img, (int(cx - 0.12 * bw), int(y2 - 0.3 * bh)),
                          (int(cx + 0.12 * bw), int(y2 - 0.18 * bh)), (235, 235, 225), -1)
    # wheels
    wr = max(1, int(0.18 * bh if not big else 0.13 * bh))
    if side_view:
        for wx in (x1 + 0.18 * bw, x2 - 0.18 * bw):
            cv2.circle(img, (int(wx), int(y2 - wr)), wr, (20, 20, 20), -1)
            cv2.circle(img, (int(wx), int(y2 - wr)), max(1, wr // 2), (140, 140, 140), -1)
    else:
        for wx in (x1 + 0.04 * bw, x2 - 0.04 * bw - 0.2 * bw):
            cv2.rectangle(img, (int(wx), int(y2 - 0.16 * bh)), (int(wx + 0.2 * bw), int(y2)),
                          (20, 20, 20), -1)
    cv2.line(img, (int(x1), int(y2 - 0.1 * bh)), (int(x2), int(y2 - 0.1 * bh)), dark,
             max(1, int(0.03 * bh)))
    sil.append([(x1, y2 - 0.16 * bh), (x2, y2 - 0.16 * bh), (x2, y2), (x1, y2)])
    for poly in sil:
        cv2.fillPoly(ids, [np.int32(poly)], idx)
    return (x1, y1, x2, y2), (BIG_VEHICLE if big else CAR)


def _person(rng, img, ids, idx, lay, y_bottom, u):
    ppm = lay.px_per_m(y_bottom)
    tall = rng.uniform(1.55, 1.9) * ppm
    cx = lay.x_at(u, y_bottom)
    half = 0.24 * tall
    x1, y1, x2, y2 = cx - half, y_bottom - tall, cx + half, y_bottom
    skin = _colour(rng, np.array(rng.choice([[235, 200, 170], [190, 140, 100], [110, 75, 50]])), 10)
    shirt = _colour(rng, np.array(rng.uniform(20, 235, 3)), 0)
    trousers = _colour(rng, np.array(rng.choice([[40, 40, 60], [70, 60, 50], [30, 30, 30],
                                                 [120, 110, 90]])), 15)
    head_r = max(1, int(0.07 * tall))
    stride = rng.uniform(-0.12, 0.12) * tall
    legs = max(1, int(0.09 * tall))
    hip = (int(cx), int(y1 + 0.52 * tall))
    cv2.line(img, hip, (int(cx - 0.08 * tall + stride / 2), int(y2)), trousers, legs)
    cv2.line(img, hip, (int(cx + 0.08 * tall - stride / 2), int(y2)), trousers, legs)
    torso = [(cx - 0.12 * tall, y1 + 0.16 * tall), (cx + 0.12 * tall, y1 + 0.16 * tall),
             (cx + 0.1 * tall, y1 + 0.55 * tall), (cx - 0.1 * tall, y1 + 0.55 * tall)]
    cv2.fillPoly(img, [np.int32(torso)], shirt)
    arms = max(1, int(0.06 * tall))
    for s in (-1, 1):
        cv2.line(img, (int(cx + s * 0.12 * tall), int(y1 + 0.2 * tall)),
                 (int(cx + s * (0.2 * tall) + stride * 0.3 * s), int(y1 + 0.52 * tall)), shirt, arms)
    cv2.circle(img, (int(cx), int(y1 + head_r + 1)), head_r, skin, -1)
    cv2.rectangle(ids, (int(cx - 0.12 * tall), int(y1)), (int(cx + 0.12 * tall), int(y2)), idx, -1)
    return (x1, y1, x2, y2), PERSON


def _traffic_light(rng, img, ids, idx, lay, y_bottom, u):
    ppm = lay.px_per_m(y_bottom)
    cx = lay.x_at(u, y_bottom)
    mount = rng.uniform(2.6, 4.2) * ppm
    bw, bh = rng.uniform(0.45, 0.6) * ppm, rng.uniform(1.2, 1.5) * ppm
    x1, y2 = cx - bw / 2, y_bottom - mount
    x2, y1 = cx + bw / 2, y2 - bh
    pole = max(1, int(0.12 * ppm))
    cv2.line(img, (int(cx), int(y_bottom)), (int(cx), int(y2)), (60, 60, 60), pole)
    cv2.rectangle(img, (int(x1), int(y1)), (int(x2), int(y2)), _colour(rng, np.array([35, 35, 35]), 8), -1)
    lit = int(rng.integers(3))
    on = [(240, 40, 30), (250, 190, 30), (40, 230, 90)]
    r = max(1, int(bw * 0.3))
    for k in range(3):
        col = on[k] if k == lit else tuple(c * 0.3 for c in on[k])
        cv2.circle(img, (int(cx), int(y1 + bh * (k + 0.5) / 3)), r, col, -1)
    cv2.rectangle(ids, (int(x1), int(y1)), (int(x2), int(y2)), idx, -1)
    return (x1, y1, x2, y2), TRAFFIC_LIGHT


def _light(rng, img):
    """Global lighting: brightness, contrast, a colour cast and sensor noise."""
    out = img.astype(np.float32)
    gain = rng.uniform(0.55, 1.25)
    cast = rng.uniform(0.9, 1.1, 3).astype(np.float32)
    out = (out - 128) * rng.uniform(0.75, 1.15) + 128
    out = out * gain * cast
    out += rng.normal(0, rng.uniform(1, 7), out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def make_scene(seed: int, height: int = 224, width: int = 224) -> Scene:
    """The road scene of ``seed`` at ``height`` x ``width`` pixels."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)
    ids = np.zeros((height, width), np.int32)
    lay = _Layout(rng, height, width)
    _draw_background(rng, img, lay)
    near = height - lay.horizon
    placed = []   # (y_bottom, kind, u)
    for _ in range(int(rng.integers(1, 8))):
        placed.append((lay.horizon + near * rng.uniform(0.06, 0.9) ** 0.8, "car",
                       rng.uniform(-0.9, 0.9)))
    for _ in range(int(rng.choice(4, p=[0.45, 0.35, 0.15, 0.05]))):
        placed.append((lay.horizon + near * rng.uniform(0.08, 0.6), "big", rng.uniform(-0.8, 0.8)))
    for _ in range(int(rng.choice(5, p=[0.35, 0.25, 0.2, 0.12, 0.08]))):
        u = rng.choice([-1, 1]) * rng.uniform(1.02, 1.3) if rng.random() < 0.8 \
            else rng.uniform(-0.9, 0.9)
        placed.append((lay.horizon + near * rng.uniform(0.1, 1.0), "person", u))
    for _ in range(int(rng.choice(4, p=[0.35, 0.35, 0.2, 0.1]))):
        placed.append((lay.horizon + near * rng.uniform(0.1, 0.7), "light",
                       rng.choice([-1, 1]) * rng.uniform(1.05, 1.3)))
    placed.sort(key=lambda p: p[0])            # far first: near objects hide far ones
    boxes, classes = [], []
    for idx, (y_bottom, kind, u) in enumerate(placed, start=1):
        if kind in ("car", "big"):
            box, cls = _vehicle(rng, img, ids, idx, lay, y_bottom, u, kind == "big")
        elif kind == "person":
            box, cls = _person(rng, img, ids, idx, lay, y_bottom, u)
        else:
            box, cls = _traffic_light(rng, img, ids, idx, lay, y_bottom, u)
        boxes.append(box)
        classes.append(cls)
    img = _light(rng, img)
    return _keep_visible(img, ids, boxes, classes)


def _keep_visible(img, ids, boxes, classes):
    h, w = ids.shape
    counts = np.bincount(ids.ravel(), minlength=len(boxes) + 1)
    keep_b, keep_c = [], []
    for k, (box, cls) in enumerate(zip(boxes, classes), start=1):
        x1, y1, x2, y2 = box
        full = max((x2 - x1) * (y2 - y1), 1.0)
        cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
        if cx2 - cx1 < MIN_BOX_SIDE or cy2 - cy1 < MIN_BOX_SIDE:
            continue
        # silhouette pixels still showing, against the silhouette's in-frame size
        own = _silhouette_area(box, cls) * (cx2 - cx1) * (cy2 - cy1) / full
        if counts[k] < MIN_VISIBLE * own:
            continue
        keep_b.append((cx1, cy1, cx2, cy2))
        keep_c.append(cls)
    return Scene(img, np.array(keep_b, np.float32).reshape(-1, 4),
                 np.array(keep_c, np.int32))


def _silhouette_area(box, cls):
    """Area the id map gives an unhidden object of this class (fraction of its box)."""
    x1, y1, x2, y2 = box
    frac = {CAR: 0.9, BIG_VEHICLE: 0.95, PERSON: 0.5, TRAFFIC_LIGHT: 1.0}[cls]
    return frac * (x2 - x1) * (y2 - y1)


def training_scene(seed: int, size: int = 224) -> Scene:
    """A square ``size`` scene drawn at a random aspect (1:1 to 16:9) and squeezed,
    so the detector also sees objects the way a resized wide photograph shows them."""
    rng = np.random.default_rng(seed + 7_919_000_000)
    aspect = rng.uniform(1.0, 1.78)
    scene = make_scene(seed, size, int(round(size * aspect)))
    sx = size / scene.image.shape[1]
    image = cv2.resize(scene.image, (size, size), interpolation=cv2.INTER_AREA)
    boxes = scene.boxes * np.array([sx, 1, sx, 1], np.float32)
    return Scene(image, boxes, scene.classes)
