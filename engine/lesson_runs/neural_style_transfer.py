"""Lesson 4.7 (catalog 3.7): Art generation with neural style transfer.

The run paints a picture with a :class:`~engine.keras_models.style_painting.StylePainter`:
one Adam step on the pixels per iteration, with the course's costs (content cost at
``conv4_2``, style cost over ``STYLE_LAYERS``, J = alpha J_content + beta J_style,
Adam with learning rate 2.0). The network is VGG-19 when the learner has put its
weights in the user data folder, otherwise the embedded random multi-scale network;
``result["network"]`` says which, in a sentence.

Pictures: the page passes its own (``dataset``, a :class:`StylePictures`: a photo or
a webcam snapshot, several styles with weights); otherwise ``content`` / ``style`` name
files or the built-in pictures of ``assets/style/`` (``content-<name>.jpg``,
``style-<name>.jpg``). Several styles: separated by ``;``, their weights in
``style_blend`` (``"1;2"``).

Every iteration (at most 20 a second) a snapshot carries the picture as uint8, so the
canvas shows each step, Step included. alpha, beta, the learning rate, the total
variation weight and the style layers' weights may change during the run
(``control.set_live``). Every ``PRINT_EVERY`` iterations the course's three costs are
kept (``result["course_costs"]``) and the picture is written to the output folder,
as the course's ``model_nn`` does, with the final picture at the end.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.data.dataset import DataError
from engine.jobs import LessonError, StopRequested
from engine.keras_models.style_networks import NETWORK_AUTO, NETWORK_CHOICES
from engine.lessons import COURSE_4, Lesson
from engine.settings import setting

ASSETS_STYLE = Path(__file__).resolve().parents[2] / "assets" / "style"
DEFAULT_CONTENT = "astronaut"
DEFAULT_STYLE = "brush-strokes"
PRINT_EVERY = 20
MAX_PICTURE_SIDE = 1600   # the largest painting size
CONV_NAMES = ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
              "conv3_4", "conv4_1", "conv4_2", "conv4_3", "conv4_4", "conv5_1", "conv5_2",
              "conv5_3", "conv5_4")
STYLE_LAYER_NAMES = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
STARTS = ("noise", "content", "style")
LIVE = ("alpha", "beta", "learning_rate", "tv_weight", "preserve_colors") + \
    tuple(f"style_weight_{n}" for n in STYLE_LAYER_NAMES)


def _layer_weight(name: str):
    return setting(0.2, f"Style weight {name}", minimum=0.0, maximum=1.0, live=True,
                   help=f"How much {name}'s Gram matrices count in the style cost; the "
                        "course gives each of its five layers 0.2.")


@dataclass
class StyleTransferSettings:
    num_iterations: int = setting(200, "Iterations", minimum=1, maximum=5000,
                                  help="Adam steps on the picture; the course runs 200.")
    content: str = setting(DEFAULT_CONTENT, "Content picture", kind="text",
                           help="A picture file, or a built-in one: astronaut, coffee, "
                                "chelsea, rocket.")
    style: str = setting(DEFAULT_STYLE, "Style picture", kind="text",
                         help="A picture file or a built-in one (brush-strokes, mosaic, "
                              "swirls, dots); several separated by ';' are blended.")
    style_blend: str = setting("", "Style blend weights", kind="text",
                               help="One weight per style picture, separated by ';' "
                                    "(empty: equal weights).")
    size: int = setting(400, "Picture size (longer side)", minimum=32, maximum=1600,
                        help="The painting keeps the content's aspect ratio; the course "
                             "paints 400x300.")
    alpha: float = setting(10.0, "alpha (content weight)", minimum=0.0, maximum=1e6,
                           scale="log", live=True,
                           help="J = alpha J_content + beta J_style; the course uses 10.")
    beta: float = setting(40.0, "beta (style weight)", minimum=0.0, maximum=1e6,
                          scale="log", live=True, help="The course uses 40.")
    learning_rate: float = setting(2.0, "Learning rate", minimum=1e-3, maximum=100.0,
                                   scale="log", live=True,
                                   help="Adam's step on pixel values (0-255); the course "
                                        "uses 2.0.")
    tv_weight: float = setting(0.0, "Total variation weight", minimum=0.0, maximum=100.0,
                               live=True,
                               help="Smoothness: penalises differences of neighbouring "
                                    "pixels (0 is the course's cost).")
    content_layer: str = setting("conv4_2", "Content layer", choices=CONV_NAMES,
                                 help="conv1_1 keeps the pixels, conv4_2 (the course's) "
                                      "only the layout.")
    style_weight_conv1_1: float = _layer_weight("conv1_1")
    style_weight_conv2_1: float = _layer_weight("conv2_1")
    style_weight_conv3_1: float = _layer_weight("conv3_1")
    style_weight_conv4_1: float = _layer_weight("conv4_1")
    style_weight_conv5_1: float = _layer_weight("conv5_1")
    noise_ratio: float = setting(0.6, "Noise ratio", minimum=0.0, maximum=1.0,
                                 help="How much of the starting picture is noise; the "
                                      "course's generate_noise_image uses 0.6.")
    start: str = setting("noise", "Start from", choices=STARTS,
                         help="The course starts from noise mixed with the content.")
    preserve_colors: bool = setting(False, "Keep the content's colours", live=True,
                                    help="Show the painted luminance on the content's "
                                         "colours (Gatys et al. 2016).")
    network: str = setting(NETWORK_AUTO, "Network", choices=NETWORK_CHOICES,
                           help="VGG-19 needs its weights in the user data folder; the "
                                "embedded random network needs nothing.")
    seed: int = setting(1, "Noise seed", minimum=0, maximum=2**31 - 1)
    gallery_every: int = setting(10, "Gallery snapshot every", minimum=1, maximum=1000,
                                 help="Keep the picture every this many iterations (the "
                                      "gallery and the time-lapse).")
    output_dir: str = setting("", "Output folder", kind="text",
                              help="Where the pictures are written; empty: "
                                   "<user data folder>/style-transfer/<time>/.")


@dataclass
class StylePictures:
    """The pictures of a run (uint8 RGB arrays); what ``load_data`` returns and what
    the page passes as the job's dataset."""
    content: np.ndarray
    styles: list
    style_weights: list = field(default_factory=list)
    names: tuple = ("content", ("style",))
    name: str = "style-transfer pictures"
    kind: str = "pictures"
    is_standin: bool = False
    m_train: int = 1
    m_test: int = 0
    extra: dict = field(default_factory=dict)   # as engine.data.dataset.Dataset's

    @property
    def provenance(self) -> str:
        content, styles = self.names
        return f"content {content}; style {' + '.join(styles)}"


def builtin_names(kind: str) -> list[str]:
    """The built-in pictures' short names (``content-astronaut.jpg`` -> astronaut)."""
    if not ASSETS_STYLE.is_dir():
        return []
    return sorted(p.stem[len(kind) + 1:] for p in ASSETS_STYLE.glob(f"{kind}-*.jpg"))


def procedural_picture(kind: str, height: int = 300, width: int = 400) -> np.ndarray:
    """A drawn stand-in when no built-in pictures are shipped: for content, a sunlit
    house-like scene of flat shapes; for style, coloured diagonal strokes."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    if kind == "content":
        img = np.zeros((height, width, 3))
        img[:] = np.array([135, 190, 235]) * (1 - y[..., None] / height / 2)
        ground = y > 0.65 * height
        img[ground] = [70, 140, 60]
        house = (np.abs(x - 0.45 * width) < 0.18 * width) & (y > 0.35 * height) & ~ground
        img[house] = [200, 80, 60]
        roof = (y > 0.15 * height) & (y <= 0.35 * height) & \
            (np.abs(x - 0.45 * width) < (y - 0.15 * height) * 0.9)
        img[roof] = [90, 50, 40]
        sun = (x - 0.8 * width) ** 2 + (y - 0.2 * height) ** 2 < (0.08 * width) ** 2
        img[sun] = [250, 220, 80]
        return img.astype(np.uint8)
    rng = np.random.RandomState(7)
    img = np.full((height, width, 3), 30.0)
    palette = np.array([[30, 60, 160], [240, 200, 40], [230, 120, 30], [20, 120, 110]])
    for _ in range(900):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        angle = rng.uniform(0, np.pi)
        d = (x - cx) * np.cos(angle) + (y - cy) * np.sin(angle)
        e = -(x - cx) * np.sin(angle) + (y - cy) * np.cos(angle)
        stroke = (np.abs(d) < 14) & (np.abs(e) < 3)
        img[stroke] = palette[rng.randint(len(palette))]
    return img.astype(np.uint8)


def read_picture(source: str, kind: str) -> tuple[np.ndarray, str]:
    """(uint8 picture, name) for a file path or a built-in name, read with the app's
    picture reader (engine/data/style_pictures.py: size checked from the header first);
    DataError with one sentence for anything else."""
    from engine.data.style_pictures import read_picture as read_file

    source = source.strip()
    name = source or (DEFAULT_CONTENT if kind == "content" else DEFAULT_STYLE)
    builtin = ASSETS_STYLE / f"{kind}-{name}.jpg"
    if builtin.is_file():
        return read_file(builtin, MAX_PICTURE_SIDE), name
    if name in (DEFAULT_CONTENT, DEFAULT_STYLE) and not builtin_names(kind):
        return procedural_picture(kind), f"{kind} (drawn)"
    path = Path(os.path.expanduser(name))
    if not path.exists():
        known = ", ".join(builtin_names(kind)) or "none shipped"
        raise DataError(f"{kind.capitalize()} picture '{name}': no such file, and not a "
                        f"built-in picture ({known}).")
    return read_file(path, MAX_PICTURE_SIDE), path.name


def _blend_weights(text: str, count: int) -> list[float]:
    if not text.strip():
        return [1.0] * count
    try:
        weights = [float(w) for w in text.replace(",", ";").split(";") if w.strip()]
    except ValueError:
        raise DataError(f"Style blend weights must be numbers separated by ';'; got "
                        f"'{text}'.") from None
    if len(weights) != count or any(w < 0 or not np.isfinite(w) for w in weights) \
            or sum(weights) <= 0:
        raise DataError(f"Give {count} non-negative style blend weight(s), not all zero; "
                        f"got '{text}'.")
    return weights


def load_data(settings: StyleTransferSettings) -> StylePictures:
    content, content_name = read_picture(settings.content, "content")
    sources = [s for s in settings.style.split(";") if s.strip()] or [""]
    styles, names = zip(*(read_picture(s, "style") for s in sources))
    return StylePictures(content, list(styles), _blend_weights(settings.style_blend,
                                                               len(styles)),
                         (content_name, tuple(names)))


def pictures_from_page(chosen: dict) -> StylePictures:
    """The page's choice (``{"content", "content_name", "styles", "style_names",
    "style_weights"}``, arrays already read) as the run's pictures."""
    styles = list(chosen.get("styles") or [])
    if chosen.get("content") is None or not styles:
        raise DataError("Choose a content photo and at least one style picture.")
    names = (str(chosen.get("content_name") or "content"),
             tuple(str(n) for n in (chosen.get("style_names") or ["style"] * len(styles))))
    weights = [float(w) for w in (chosen.get("style_weights") or [1.0] * len(styles))]
    return StylePictures(np.asarray(chosen["content"], np.uint8),
                         [np.asarray(s, np.uint8) for s in styles], weights, names)


def _output_folder(hp) -> Path:
    if hp.output_dir:
        return Path(os.path.expanduser(hp.output_dir))
    from engine.user_data import user_data_dir
    return user_data_dir() / "style-transfer" / time.strftime("%Y%m%d-%H%M%S")


def _save(picture: np.ndarray, path: Path) -> None:
    from PIL import Image
    Image.fromarray(picture).save(path)


def make_painter(hp: StyleTransferSettings, pictures: StylePictures, chosen):
    from engine.keras_models.style_painting import (StylePainter, fit_picture,
                                                    size_keeping_aspect)
    height, width = size_keeping_aspect(pictures.content.shape, hp.size)
    content = fit_picture(pictures.content, height, width)
    layers = [(n, getattr(hp, f"style_weight_{n}")) for n in STYLE_LAYER_NAMES]
    return StylePainter(chosen.network, content, pictures.styles,
                        pictures.style_weights or None, alpha=hp.alpha, beta=hp.beta,
                        learning_rate=hp.learning_rate, content_layer=hp.content_layer,
                        style_layers=layers, start=hp.start, noise_ratio=hp.noise_ratio,
                        seed=hp.seed, tv_weight=hp.tv_weight,
                        preserve_colors=hp.preserve_colors)


def _apply_live(painter, control, values: dict) -> None:
    """Read the live settings; hand the painter only what changed."""
    changed = {}
    for name in LIVE:
        value = control.live(name, values[name])
        if value != values[name]:
            values[name] = value
            changed[name] = value
    if not changed:
        return
    if "preserve_colors" in changed:
        painter.preserve_colors = bool(changed.pop("preserve_colors"))
    layer_weights = None
    if any(k.startswith("style_weight_") for k in changed):
        layer_weights = [values[f"style_weight_{n}"] for n in STYLE_LAYER_NAMES]
    painter.set_weights(alpha=changed.get("alpha"), beta=changed.get("beta"),
                        tv_weight=changed.get("tv_weight"),
                        learning_rate=changed.get("learning_rate"),
                        layer_weights=layer_weights)


def run(hp: StyleTransferSettings, on_event, control, dataset=None) -> dict:
    from engine.keras_models.style_networks import default_network

    pictures = dataset if dataset is not None else load_data(hp)
    if isinstance(pictures, dict):
        pictures = pictures_from_page(pictures)
    if not isinstance(pictures, StylePictures):
        raise LessonError("Style transfer needs a content and a style picture.")
    chosen = default_network(hp.network)
    try:
        painter = make_painter(hp, pictures, chosen)
    except ValueError as exc:
        raise LessonError(str(exc)) from None
    folder = _output_folder(hp)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LessonError(f"Cannot write the pictures to {folder}: "
                          f"{exc.strerror or exc}.") from None
    on_event.total = int(hp.num_iterations)
    values = {name: getattr(hp, name) for name in LIVE}
    content_curve, style_curve, course_costs, frames = [], [], [], []
    rows = []   # (iteration, total, content, style): the canvas's cost curves
    step_seconds = []

    def course_print(i, costs) -> None:
        # model_nn's print point: the three costs, and the picture saved as <i>.png
        course_costs.append({"iteration": i, "total": costs.total,
                             "content": costs.content, "style": costs.style})
        _save(painter.picture(), folder / f"{i}.png")

    try:
        for i in range(int(hp.num_iterations)):
            control.checkpoint()
            _apply_live(painter, control, values)
            t0 = time.perf_counter()
            costs = painter.step()
            step_seconds.append(time.perf_counter() - t0)
            if i % PRINT_EVERY == 0:
                # the course prints the costs of the picture after step i (one more
                # forward pass every 20 steps)
                course_print(i, painter.costs())
            content_curve.append((i, costs.content))
            style_curve.append((i, costs.style))
            rows.append((i, costs.total, costs.content, costs.style))
            on_event.progress(i, costs.total, content_cost=costs.content,
                              style_cost=costs.style, variation_cost=costs.variation)
            if (i + 1) % int(hp.gallery_every) == 0:
                frames.append((i + 1, painter.picture()))
            if on_event.snapshot_due() or control.paused:
                on_event.snapshot(picture=painter.picture(), iteration=i + 1,
                                  costs=list(rows), network=chosen.sentence,
                                  size=[painter.height, painter.width])
    except StopRequested:
        pass   # the picture so far is kept, saved and returned
    picture = painter.picture()
    _save(picture, folder / "generated_image.jpg")
    final = painter.costs()
    on_event.force_snapshot()
    on_event.snapshot(picture=picture, iteration=len(step_seconds), costs=list(rows),
                      network=chosen.sentence, size=[painter.height, painter.width])
    timed = step_seconds[1:] or step_seconds
    metrics = {"iterations": len(step_seconds), "final_cost": final.total,
               "final_content_cost": final.content, "final_style_cost": final.style,
               "seconds_per_iteration": float(np.mean(timed)) if timed else None,
               "network": chosen.kind, "output_folder": str(folder),
               "width": painter.width, "height": painter.height}
    result = {"picture": picture, "raw_picture": painter.raw_picture(),
              "content": painter.content, "styles": painter.styles,
              "style_weights": [float(w) for w in painter.style_weights],
              "iteration": len(step_seconds),
              # (iteration, total, content, style) per iteration
              "costs": [list(r) for r in rows],
              "content_costs": [[i, c] for i, c in content_curve],
              "style_costs": [[i, c] for i, c in style_curve],
              "course_costs": course_costs, "frames": frames,
              "network": chosen.sentence, "network_kind": chosen.kind,
              "output_folder": str(folder), "painter": painter}
    return {"metrics": metrics, "result": result}


LESSON = Lesson(
    id="neural-style-transfer",
    title="Art generation with neural style transfer",
    course=COURSE_4, section="4.7",
    settings=StyleTransferSettings, run=run, load_data=load_data,
    summary="Paint a photo in the style of a picture: Adam on the pixels, the content "
            "cost at one layer, Gram-matrix style costs at five.",
    kind="keras",
)
