"""The course's ``yolo_utils`` helpers for car detection (lesson 3.5), in plain
NumPy / Pillow: the class names and anchors (constants and the course's text files),
reading and resizing a picture, class colours and drawing the boxes.

Nothing here imports TensorFlow, so the viewer and the headless runner can use it
without paying for the import.
"""
from __future__ import annotations

import colorsys
import os
import random
from pathlib import Path

import numpy as np

from engine.jobs import LessonError

# The 80 COCO class names in the order of the course's model_data/coco_classes.txt
# (Darknet's data/coco.names): the index is the class the network predicts.
COCO_CLASSES = (
    "person", "bicycle", "car", "motorbike", "aeroplane", "bus", "train", "truck",
    "boat", "traffic light", "fire hydrant", "stop sign", "parking meter", "bench",
    "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra",
    "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis",
    "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard",
    "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork", "knife",
    "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
    "hot dog", "pizza", "donut", "cake", "chair", "sofa", "pottedplant", "bed",
    "diningtable", "toilet", "tvmonitor", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book",
    "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
)

# The course's model_data/yolo_anchors.txt: the five (width, height) anchors of
# Darknet's yolov2.cfg, in grid cells (a 19x19 grid at 608x608). They belong to the
# COCO weights; a network trained with other anchors needs its own.
YOLO_ANCHORS = np.array([[0.57273, 0.677385], [1.87446, 2.06253], [3.33843, 5.47434],
                         [7.88282, 3.52778], [9.77052, 9.16828]], dtype=np.float32)

# A class-names or anchors text file is a few KB; refuse anything far larger before
# reading it (a video or a weights file picked by mistake).
_MAX_TEXT_BYTES = 1 << 20


def _read_small_text(path, what: str) -> str:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > _MAX_TEXT_BYTES:
            raise LessonError(f"{path.name} is {size:,} bytes: too large to be a {what}.")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise LessonError(f"{what[0].upper() + what[1:]} {path} not found.") from None
    except UnicodeDecodeError:
        raise LessonError(f"{path.name} is not a text file, so not a {what}.") from None
    except OSError as exc:
        raise LessonError(f"Could not read {path.name}: {exc.strerror or exc}.") from None


def read_classes(classes_path) -> list[str]:
    """Class names, one per line (the course's coco_classes.txt format)."""
    text = _read_small_text(classes_path, "class-names file")
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise LessonError(f"{Path(classes_path).name} holds no class names.")
    return names


def parse_anchors(text: str, source: str = "anchors") -> np.ndarray:
    """``"w1,h1, w2,h2, ..."`` (commas and/or white space) -> float32 array (n, 2)."""
    fields = [f for f in text.replace(",", " ").split() if f]
    try:
        values = [float(f) for f in fields]
    except ValueError:
        raise LessonError(f"{source}: anchors must be numbers separated by commas.") \
            from None
    if not values or len(values) % 2:
        raise LessonError(f"{source}: anchors come in (width, height) pairs; found "
                          f"{len(values)} numbers.")
    anchors = np.array(values, dtype=np.float32).reshape(-1, 2)
    if not np.all(np.isfinite(anchors)) or np.any(anchors <= 0):
        raise LessonError(f"{source}: anchor widths and heights must be positive.")
    return anchors


def read_anchors(anchors_path) -> np.ndarray:
    """Anchors (n, 2) from the course's yolo_anchors.txt format (one line of
    comma-separated width, height pairs in grid cells)."""
    text = _read_small_text(anchors_path, "anchors file")
    return parse_anchors(text.strip().splitlines()[0] if text.strip() else "",
                         Path(anchors_path).name)


def generate_colors(class_names) -> list[tuple[int, int, int]]:
    """One RGB colour per class: evenly spaced hues shuffled with the course's seed
    (10101) so neighbouring classes differ. A private generator leaves Python's
    global random state alone (the course reseeds it with None instead)."""
    hsv_tuples = [(x / len(class_names), 1.0, 1.0) for x in range(len(class_names))]
    colors = [colorsys.hsv_to_rgb(*x) for x in hsv_tuples]
    colors = [(int(r * 255), int(g * 255), int(b * 255)) for r, g, b in colors]
    random.Random(10101).shuffle(colors)
    return colors


def open_image(img_path):
    """A Pillow RGB image, or LessonError with one sentence (missing, not a picture)."""
    from PIL import Image

    from engine.data.pictures import read_picture

    path = Path(img_path)
    if not os.path.lexists(path):
        raise LessonError(f"Image {path} not found.")
    # the app's one picture reader: no FIFO hang, size checked from the header,
    # EXIF orientation, any bit depth; its PictureError is a LessonError sentence
    return Image.fromarray(read_picture(path))


def image_to_input(image, model_image_size=(608, 608)) -> np.ndarray:
    """Pillow image -> float32 batch (1, h, w, 3) in [0, 1], resized with bicubic
    interpolation as the course does (the aspect ratio is not kept: YOLOv2 is trained
    on squashed pictures)."""
    from PIL import Image

    resized = image.resize(tuple(reversed(tuple(int(s) for s in model_image_size))),
                           Image.BICUBIC)
    image_data = np.asarray(resized, dtype=np.float32) / 255.0
    return np.expand_dims(image_data, 0)


def preprocess_image(img_path, model_image_size):
    """The course's helper: (the original Pillow image, the resized batch)."""
    image = open_image(img_path)
    return image, image_to_input(image, model_image_size)


def box_pixels(box, image_size) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) in original pixels, rounded and clipped to the
    picture as the course's draw_boxes does. ``image_size`` is Pillow's (w, h)."""
    top, left, bottom, right = (float(v) for v in box)
    width, height = image_size
    top = max(0, int(np.floor(top + 0.5)))
    left = max(0, int(np.floor(left + 0.5)))
    bottom = min(height, int(np.floor(bottom + 0.5)))
    right = min(width, int(np.floor(right + 0.5)))
    return top, left, bottom, right


def box_lines(out_scores, out_boxes, out_classes, class_names, image_size) -> list[str]:
    """The lines the course prints for the kept boxes, in its order (the lowest score
    first: it walks the kept boxes backwards): ``car 0.89 (367, 300) (745, 648)``."""
    lines = []
    for i, c in reversed(list(enumerate(out_classes))):
        top, left, bottom, right = box_pixels(out_boxes[i], image_size)
        label = f"{class_names[int(c)]} {float(out_scores[i]):.2f}"
        lines.append(f"{label} {(left, top)} {(right, bottom)}")
    return lines


def draw_boxes(image, out_scores, out_boxes, out_classes, class_names, colors):
    """Draw each kept box with its class colour and a "name score" label on the Pillow
    ``image`` (in place), printing one line per box as the course does."""
    from PIL import ImageDraw, ImageFont

    font_size = int(np.floor(3e-2 * image.size[1] + 0.5))
    try:
        font = ImageFont.load_default(size=max(font_size, 8))
    except TypeError:            # Pillow < 10.1: a fixed-size bitmap font
        font = ImageFont.load_default()
    thickness = max(1, (image.size[0] + image.size[1]) // 300)
    draw = ImageDraw.Draw(image)
    for i, c in reversed(list(enumerate(out_classes))):
        c = int(c)
        top, left, bottom, right = box_pixels(out_boxes[i], image.size)
        label = f"{class_names[c]} {float(out_scores[i]):.2f}"
        print(label, (left, top), (right, bottom))
        _, _, label_w, label_h = draw.textbbox((0, 0), label, font=font)
        # the label sits above the box, or inside it when the box touches the top
        text_top = top - label_h if top - label_h >= 0 else top + 1
        for k in range(thickness):
            draw.rectangle([left + k, top + k, right - k, bottom - k],
                           outline=colors[c])
        draw.rectangle([left, text_top, left + label_w, text_top + label_h],
                       fill=colors[c])
        draw.text((left, text_top), label, fill=(0, 0, 0), font=font)
    return image
