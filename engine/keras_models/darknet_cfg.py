"""Darknet ``.cfg`` files of the YOLOv2 family, parsed and built as Keras models.

Supported sections: ``[net]`` (input size), ``[convolutional]`` (batch_normalize,
filters, size, stride, pad, activation leaky / linear / relu), ``[maxpool]``,
``[route]``, ``[reorg]`` and ``[region]`` (anchors, classes, num): the layers of
``yolov2.cfg``, ``yolov2-voc.cfg`` and ``yolov2-tiny.cfg``. Anything else (the
``[shortcut]`` / ``[upsample]`` / ``[yolo]`` of YOLOv3, say) is refused with one
sentence naming the section. The text is only parsed, never run.

Layers get the names YAD2K's converter gave them (``conv2d_1``,
``batch_normalization_1``, ``leaky_re_lu_1``, ...); ``conv_layers(model)`` lists the
convolutions in file order, which is the order their arrays sit in the ``.weights``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.keras_models.model_build import serialised_build
from engine.weights import WeightsError

SUPPORTED = ("net", "convolutional", "maxpool", "route", "reorg", "region")
ACTIVATIONS = ("leaky", "linear", "relu")
# convolution options whose other values change the array layout or the arithmetic
PLAIN_CONV_OPTIONS = {"groups": 1, "dilation": 1, "binary": 0, "xnor": 0}
MAX_CFG_BYTES = 1 << 20
MAX_INPUT_SIDE = 4096
MAX_PARAMETERS = 400_000_000   # YOLOv2 has 51 million; refuse a cfg declaring absurd sizes


@dataclass
class Section:
    kind: str
    options: dict
    line: int                    # where it starts in the file, for messages

    def int(self, key, default=None):
        value = self.options.get(key, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise WeightsError(f"[{self.kind}] at line {self.line}: '{key}' must be a "
                               f"whole number, not '{value}'.") from None


@dataclass
class DarknetConfig:
    name: str
    height: int
    width: int
    channels: int
    layers: list[Section]
    anchors: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    num_classes: int = 0


def parse_cfg_text(text: str, name: str = "the .cfg") -> DarknetConfig:
    """Sections and options of a Darknet cfg; WeightsError (one sentence) if it is not
    one this loader can build."""
    sections: list[Section] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#")[0].split(";")[0].strip()
        if not line:
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise WeightsError(f"{name}, line {number}: '{line}' is not a "
                                   "[section] header.")
            sections.append(Section(line[1:-1].strip().lower(), {}, number))
        elif "=" in line and sections:
            key, _, value = line.partition("=")
            sections[-1].options[key.strip()] = value.strip()
        else:
            raise WeightsError(f"{name}, line {number}: '{line[:40]}' is neither a "
                               "[section] nor a key=value line, so this is not a "
                               "Darknet .cfg.")
    if not sections or sections[0].kind not in ("net", "network"):
        raise WeightsError(f"{name} does not start with a [net] section: it is not a "
                           "Darknet .cfg.")
    for section in sections[1:]:
        if section.kind not in SUPPORTED:
            raise WeightsError(
                f"{name} uses a [{section.kind}] layer (line {section.line}), which this "
                "loader does not support: it builds the YOLOv2 family (convolutional, "
                "maxpool, route, reorg, region).")
    net = sections[0]
    config = DarknetConfig(name, net.int("height", 416), net.int("width", 416),
                           net.int("channels", 3), sections[1:])
    if not (32 <= config.height <= MAX_INPUT_SIDE and 32 <= config.width <= MAX_INPUT_SIDE
            and 1 <= config.channels <= 4):
        raise WeightsError(f"{name} declares a {config.width}x{config.height}x"
                           f"{config.channels} input, outside what this loader builds.")
    regions = [s for s in config.layers if s.kind == "region"]
    if not regions:
        raise WeightsError(f"{name} has no [region] section, so it is not a YOLOv2 "
                           "detector.")
    region = regions[-1]
    from engine.keras_models.yolo_utils import parse_anchors
    from engine.jobs import LessonError

    try:
        config.anchors = parse_anchors(region.options.get("anchors", ""),
                                       f"{name} [region]")
    except LessonError as exc:
        raise WeightsError(str(exc)) from None
    config.num_classes = region.int("classes", 0)
    if region.int("num", len(config.anchors)) != len(config.anchors):
        raise WeightsError(f"{name}: [region] says num={region.options.get('num')} but "
                           f"lists {len(config.anchors)} anchors.")
    if not 1 <= config.num_classes <= 10_000:
        raise WeightsError(f"{name}: [region] classes={config.num_classes} is not a "
                           "usable number of classes.")
    return config


def read_cfg(path) -> DarknetConfig:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CFG_BYTES:
            raise WeightsError(f"{path.name} is {size:,} bytes: too large for a Darknet "
                               ".cfg.")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise WeightsError(f"Darknet .cfg {path} not found.") from None
    except UnicodeDecodeError:
        raise WeightsError(f"{path.name} is not a text file, so not a Darknet .cfg.") \
            from None
    except OSError as exc:
        raise WeightsError(f"Could not read {path.name}: {exc.strerror or exc}.") \
            from None
    return parse_cfg_text(text, path.name)


def _route_sources(section: Section, index: int, name: str) -> list[int]:
    sources = []
    for field_ in section.options.get("layers", "").split(","):
        try:
            value = int(field_.strip())
        except ValueError:
            raise WeightsError(f"{name}: [route] at line {section.line} has layers="
                               f"'{section.options.get('layers')}', not layer numbers.") \
                from None
        source = index + value if value < 0 else value
        if not 0 <= source < index:
            raise WeightsError(f"{name}: [route] at line {section.line} refers to layer "
                               f"{value}, which does not come before it.")
        sources.append(source)
    if not sources:
        raise WeightsError(f"{name}: [route] at line {section.line} names no layers.")
    return sources


@serialised_build
def build_darknet_model(config: DarknetConfig, reorg_order: str = "darknet",
                        kernel_initializer="zeros"):
    """The Keras model a cfg describes; its output is the last layer before
    [region]. Shapes are checked as the layers are built, so a cfg whose [region]
    does not match its last convolution is refused with one sentence."""
    from engine.keras_models.job_callback import load_tensorflow
    from engine.keras_models.yolo_body import Reorg, _Namer

    keras = load_tensorflow()[1]
    layer_name = _Namer()
    name = config.name
    inputs = keras.Input((config.height, config.width, config.channels), name="input_1")
    outputs: list = []          # one per cfg layer, Darknet's numbering
    x = inputs
    parameters = 0
    for index, section in enumerate(config.layers):
        if section.kind == "convolutional":
            filters, size = section.int("filters", 1), section.int("size", 1)
            stride = section.int("stride", 1)
            pad = size // 2 if section.int("pad", 0) else section.int("padding", 0)
            batch_norm = bool(section.int("batch_normalize", 0))
            activation = section.options.get("activation", "logistic")
            if activation not in ACTIVATIONS:
                raise WeightsError(f"{name}: [convolutional] at line {section.line} uses "
                                   f"the '{activation}' activation, which this loader "
                                   "does not support (leaky, linear, relu).")
            for key, plain in PLAIN_CONV_OPTIONS.items():
                if section.int(key, plain) != plain:
                    raise WeightsError(f"{name}: [convolutional] at line {section.line} "
                                       f"sets {key}={section.options[key]}, which this "
                                       "loader does not support.")
            if not (1 <= filters <= 65536 and 1 <= size <= 15 and 1 <= stride <= 8):
                raise WeightsError(f"{name}: [convolutional] at line {section.line} has "
                                   "filters, size or stride out of range.")
            parameters += filters * int(x.shape[-1]) * size * size + filters * (
                4 if batch_norm else 1)
            if parameters > MAX_PARAMETERS:
                raise WeightsError(f"{name} declares more than {MAX_PARAMETERS:,} "
                                   "parameters: not a network this loader builds.")
            if stride == 1 and pad == size // 2 and size % 2:
                padding = "same"
            else:
                if pad:
                    x = keras.layers.ZeroPadding2D(pad, name=layer_name("zero_padding2d"))(x)
                padding = "valid"
            x = keras.layers.Conv2D(filters, size, strides=stride, padding=padding,
                                    use_bias=not batch_norm,
                                    kernel_initializer=kernel_initializer,
                                    name=layer_name("conv2d"))(x)
            if batch_norm:
                # Darknet divides by sqrt(variance) + 1e-6, Keras by
                # sqrt(variance + epsilon): a small epsilon keeps the two within
                # rounding for any trained variance
                x = keras.layers.BatchNormalization(
                    epsilon=1e-5, name=layer_name("batch_normalization"))(x)
            if activation == "leaky":
                x = keras.layers.LeakyReLU(negative_slope=0.1,
                                           name=layer_name("leaky_re_lu"))(x)
            elif activation == "relu":
                x = keras.layers.ReLU(name=layer_name("re_lu"))(x)
        elif section.kind == "maxpool":
            size = section.int("size", section.int("stride", 1))
            stride = section.int("stride", 1)
            if section.int("padding", size - 1) != size - 1 or not 1 <= size <= 16:
                raise WeightsError(f"{name}: [maxpool] at line {section.line} uses a "
                                   "padding this loader does not support.")
            x = keras.layers.MaxPooling2D(size, stride, padding="same",
                                          name=layer_name("max_pooling2d"))(x)
        elif section.kind == "route":
            sources = [outputs[i] for i in _route_sources(section, index, name)]
            if len(sources) == 1:
                x = sources[0]
            else:
                if len({tuple(s.shape[1:3]) for s in sources}) != 1:
                    raise WeightsError(f"{name}: [route] at line {section.line} joins "
                                       "maps of different sizes.")
                x = keras.layers.Concatenate(name=layer_name("concatenate"))(sources)
        elif section.kind == "reorg":
            stride = section.int("stride", 2)
            if (stride < 1 or x.shape[1] % stride or x.shape[2] % stride
                    or x.shape[-1] % (stride * stride)):
                raise WeightsError(f"{name}: [reorg] at line {section.line} cannot "
                                   f"reorganise a {tuple(x.shape[1:])} map by {stride}.")
            x = Reorg(stride, reorg_order, name=layer_name("reorg"))(x)
        elif section.kind == "region":
            depth = len(config.anchors) * (config.num_classes + 5)
            if x.shape[-1] != depth:
                raise WeightsError(
                    f"{name}: the layer before [region] gives {x.shape[-1]} channels but "
                    f"{len(config.anchors)} anchors x (5 + {config.num_classes} classes) "
                    f"need {depth}.")
            break
        outputs.append(x)
    return keras.Model(inputs, x, name=Path(name).stem.replace(" ", "_") or "darknet")


def count_weights(config: DarknetConfig) -> int:
    """How many float32 the cfg's convolutions take in a .weights file, from the cfg
    alone (channel counts followed through route and reorg), so a file of the wrong
    size is refused before the network is built."""
    channels_out: list[int] = []
    channels = config.channels
    numbers = 0
    for index, section in enumerate(config.layers):
        if section.kind == "convolutional":
            filters, size = section.int("filters", 1), section.int("size", 1)
            norm = bool(section.int("batch_normalize", 0))
            numbers += filters * (4 if norm else 1) + filters * channels * size * size
            channels = filters
        elif section.kind == "route":
            channels = sum(channels_out[i]
                           for i in _route_sources(section, index, config.name))
        elif section.kind == "reorg":
            channels *= section.int("stride", 2) ** 2
        elif section.kind == "region":
            break
        channels_out.append(channels)
    return numbers


def _number(layer) -> int:
    return int(layer.name.rsplit("_", 1)[1])


def conv_plan(model) -> list[tuple]:
    """(Conv2D, its BatchNormalization or None) in cfg order, the order of the arrays
    in a .weights file. The builder numbers both kinds in file order and gives a
    convolution batch normalisation exactly when it has no bias, so the k-th
    bias-free convolution owns ``batch_normalization_k``."""
    convs = sorted((layer for layer in model.layers
                    if layer.__class__.__name__ == "Conv2D"), key=_number)
    norms = sorted((layer for layer in model.layers
                    if layer.__class__.__name__ == "BatchNormalization"), key=_number)
    plan, next_norm = [], iter(norms)
    for conv in convs:
        plan.append((conv, None if conv.use_bias else next(next_norm)))
    return plan
