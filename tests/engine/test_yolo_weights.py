"""Lesson 4.5: the YOLOv2 weight loaders on small files of the real formats written
here (a Darknet .cfg + .weights pair, a YAD2K-layout yolo.h5), the byte counts of the
real Darknet files, and one sentence for each hostile file."""
from __future__ import annotations

import json
import time

import h5py
import numpy as np
import pytest

from engine.weights import WeightsError


@pytest.fixture(scope="module")
def keras():
    from engine.keras_models.job_callback import load_tensorflow
    return load_tensorflow()[1]


def _conv(filters, size, bn=True, activation="leaky"):
    return (f"[convolutional]\n" + ("batch_normalize=1\n" if bn else "") +
            f"filters={filters}\nsize={size}\nstride=1\npad=1\nactivation={activation}\n")


def _pool(size=2, stride=2):
    return f"[maxpool]\nsize={size}\nstride={stride}\n"


def _net(side):
    return (f"[net]\n# a comment\nbatch=64\nsubdivisions=8\nwidth={side}\nheight={side}\n"
            "channels=3\nmomentum=0.9\n")


def _region(classes, anchors="0.57273, 0.677385, 1.87446, 2.06253, 3.33843, 5.47434, "
            "7.88282, 3.52778, 9.77052, 9.16828"):
    num = len(anchors.split(",")) // 2
    return (f"[region]\nanchors = {anchors}\nbias_match=1\nclasses={classes}\ncoords=4\n"
            f"num={num}\nsoftmax=1\njitter=.3\nrescore=1\n")


def yolov2_cfg(classes=80):
    """Darknet's yolov2.cfg (yolov2-voc.cfg with classes=20), section for section."""
    parts = [_net(608), _conv(32, 3), _pool(), _conv(64, 3), _pool()]
    for outer, bottleneck, repeats in ((128, 64, 1), (256, 128, 1), (512, 256, 2),
                                       (1024, 512, 2)):
        parts.append(_conv(outer, 3))
        for _ in range(repeats):
            parts += [_conv(bottleneck, 1), _conv(outer, 3)]
        if outer != 1024:
            parts.append(_pool())
    parts += [_conv(1024, 3), _conv(1024, 3), "[route]\nlayers=-9\n", _conv(64, 1),
              "[reorg]\nstride=2\n", "[route]\nlayers=-1,-4\n", _conv(1024, 3),
              _conv(5 * (classes + 5), 1, bn=False, activation="linear"),
              _region(classes)]
    return "\n".join(parts)


def yolov2_tiny_cfg():
    parts = [_net(416)]
    for filters in (16, 32, 64, 128, 256):
        parts += [_conv(filters, 3), _pool()]
    parts += [_conv(512, 3), _pool(2, 1), _conv(1024, 3), _conv(512, 3),
              _conv(425, 1, bn=False, activation="linear"), _region(80)]
    return "\n".join(parts)


# a small network with every supported section: conv + BN + leaky, maxpool (stride 2
# and Darknet-tiny's stride 1), route (one layer and a join), reorg, a biased linear
# output and the region (2 anchors, 3 classes)
TINY_CFG = "\n".join([
    _net(64), _conv(8, 3), _pool(), _conv(16, 3), _pool(), _conv(16, 1),
    "[route]\nlayers=-4\n", "[reorg]\nstride=2\n", "[route]\nlayers=-1,-3\n",
    _pool(2, 1), _conv(2 * (5 + 3), 1, bn=False, activation="linear"),
    _region(3, "1.0,1.5, 2.5,2.0")])
# (filters, in channels, size, batch norm) of TINY_CFG's convolutions, file order
TINY_CONVS = [(8, 3, 3, True), (16, 8, 3, True), (16, 16, 1, True), (16, 48, 1, False)]


def _write_tiny_weights(path, version=(0, 2, 0), extra=b""):
    """Hand-written Darknet layout: header, then per conv biases, [scales, means,
    variances], kernel (out, in, h, w). Returns the arrays written."""
    rng = np.random.default_rng(11)
    major, minor, revision = version
    written = []
    with open(path, "wb") as f:
        f.write(np.array([major, minor, revision], "<i4").tobytes())
        if major * 10 + minor >= 2:
            f.write(np.array([123456], "<u8").tobytes())
        else:
            f.write(np.array([1234], "<i4").tobytes())
        for filters, channels, size, bn in TINY_CONVS:
            arrays = {"biases": rng.normal(0, .1, filters)}
            if bn:
                arrays["scales"] = rng.uniform(.5, 1.5, filters)
                arrays["means"] = rng.normal(0, .1, filters)
                arrays["variances"] = rng.uniform(.5, 2, filters)
            arrays["kernel"] = rng.normal(0, .1, (filters, channels, size, size))
            for value in arrays.values():
                f.write(np.asarray(value, "<f4").tobytes())
            written.append({k: v.astype(np.float32) for k, v in arrays.items()})
        f.write(extra)
    return written


def _tiny_pair(folder, version=(0, 2, 0)):
    (folder / "tiny.cfg").write_text(TINY_CFG)
    written = _write_tiny_weights(folder / "tiny.weights", version)
    return written


# ---- Darknet --------------------------------------------------------------------

@pytest.mark.parametrize("version,header", [((0, 1, 0), 16), ((0, 2, 0), 20)])
def test_darknet_pair_every_array_lands_in_its_layer(keras, tmp_path, version, header):
    from engine.keras_models.darknet_cfg import conv_plan
    from engine.keras_models.yolo_detector import load_yolo_detector

    written = _tiny_pair(tmp_path, version)
    size = (tmp_path / "tiny.weights").stat().st_size
    assert size == header + 4 * sum(f * c * s * s + f * (4 if bn else 1)
                                    for f, c, s, bn in TINY_CONVS)
    (tmp_path / "tiny.names").write_text("car\nbus\nperson\n")
    detector = load_yolo_detector(tmp_path / "tiny.weights")
    assert detector.class_names == ["car", "bus", "person"]
    np.testing.assert_allclose(detector.anchors, [[1.0, 1.5], [2.5, 2.0]])
    model, anchors, names = detector          # the registry's triple
    assert model is detector.model and names == detector.class_names
    assert "tiny" in detector.description and "3 classes" in detector.description
    assert detector.model.output_shape == (None, 16, 16, 16)
    plan = conv_plan(detector.model)
    assert len(plan) == len(written)
    for (conv, norm), arrays in zip(plan, written):
        kernel = arrays["kernel"].transpose(2, 3, 1, 0)
        np.testing.assert_array_equal(conv.get_weights()[0], kernel)
        if norm is None:
            np.testing.assert_array_equal(conv.get_weights()[1], arrays["biases"])
        else:
            gamma, beta, mean, variance = norm.get_weights()
            np.testing.assert_array_equal(gamma, arrays["scales"])
            np.testing.assert_array_equal(beta, arrays["biases"])
            np.testing.assert_array_equal(mean, arrays["means"])
            np.testing.assert_array_equal(variance, arrays["variances"])
    # the cfg or the folder find the same pair; the reorg is Darknet's
    assert load_yolo_detector(tmp_path / "tiny.cfg").model.count_params() == \
        detector.model.count_params()
    assert detector.model.get_layer("reorg_1").order == "darknet"


def test_darknet_detector_detects_like_yolo_eval(keras, tmp_path):
    from PIL import Image

    from engine.keras_models.yolo import yolo_eval, yolo_head
    from engine.keras_models.yolo_detector import load_yolo_detector
    from engine.keras_models.yolo_utils import image_to_input

    _tiny_pair(tmp_path)
    (tmp_path / "tiny.names").write_text("car\nbus\nperson\n")
    detector = load_yolo_detector(tmp_path)
    picture = Image.fromarray(np.random.default_rng(2).integers(0, 255, (90, 160, 3),
                                                                dtype=np.uint8))
    found = detector.detect(picture, score_threshold=0.2, iou_threshold=0.5)
    feats = detector.model(image_to_input(picture, (64, 64)), training=False)
    head = [t[0] for t in yolo_head(feats, detector.anchors, 3)]
    expect = yolo_eval(head, (90., 160.), 10, 0.2, 0.5)
    for got, want in zip((found.scores, found.boxes, found.classes), expect):
        np.testing.assert_array_equal(got, want.numpy())
    assert found.candidates.pixel_boxes.shape == (16 * 16 * 2, 4)
    rows = found.rows()
    assert len(rows) == len(found.scores)
    assert all(0 <= r["left"] <= r["right"] <= 160 and 0 <= r["top"] <= r["bottom"] <= 90
               for r in rows)
    assert found.lines("x.jpg")[0] == f"Found {len(rows)} boxes for x.jpg"


def test_real_darknet_files_byte_counts():
    from engine.keras_models.darknet_cfg import count_weights, parse_cfg_text

    yolov2 = parse_cfg_text(yolov2_cfg(80), "yolov2.cfg")
    assert count_weights(yolov2) == 50_983_561
    assert 16 + 4 * count_weights(yolov2) == 203_934_260
    np.testing.assert_allclose(yolov2.anchors[4], [9.77052, 9.16828])
    voc = parse_cfg_text(yolov2_cfg(20), "yolov2-voc.cfg")
    assert 16 + 4 * count_weights(voc) == 202_704_260
    tiny = parse_cfg_text(yolov2_tiny_cfg(), "yolov2-tiny.cfg")
    assert 20 + 4 * count_weights(tiny) == 44_948_600


def test_yolov2_tiny_cfg_builds(keras):
    from engine.keras_models.darknet_cfg import build_darknet_model, count_weights, \
        parse_cfg_text

    config = parse_cfg_text(yolov2_tiny_cfg(), "yolov2-tiny.cfg")
    model = build_darknet_model(config)
    assert model.output_shape == (None, 13, 13, 425)   # the stride-1 maxpool keeps 13
    assert model.count_params() == count_weights(config) == 11_237_145


def test_darknet_size_mismatch_says_both_counts(keras, tmp_path):
    from engine.keras_models.yolo_detector import load_yolo_detector

    (tmp_path / "yolov2.cfg").write_text(yolov2_cfg())
    with open(tmp_path / "yolov2.weights", "wb") as f:
        f.write(np.array([0, 1, 0, 0], "<i4").tobytes() + b"\0" * 1000)
    started = time.perf_counter()
    with pytest.raises(WeightsError) as info:
        load_yolo_detector(tmp_path / "yolov2.weights")
    assert "1,016 bytes" in str(info.value) and "203,934,260" in str(info.value)
    assert time.perf_counter() - started < 5        # refused before building 51M weights
    _tiny_pair(tmp_path)
    with open(tmp_path / "tiny.weights", "ab") as f:
        f.write(b"\0" * 8)
    with pytest.raises(WeightsError, match="bytes but tiny.cfg needs"):
        load_yolo_detector(tmp_path / "tiny.weights")


def test_darknet_bad_files_one_sentence_each(tmp_path):
    from engine.keras_models.darknet_cfg import parse_cfg_text, read_cfg
    from engine.keras_models.yolo_detector import load_yolo_detector

    yolov3 = _net(416) + _conv(32, 3) + "[shortcut]\nfrom=-3\nactivation=linear\n" + \
        _region(80)
    with pytest.raises(WeightsError, match=r"\[shortcut\] layer .*does not support"):
        parse_cfg_text(yolov3, "yolov3.cfg")
    with pytest.raises(WeightsError, match="no \\[region\\]"):
        parse_cfg_text(_net(64) + _conv(8, 3), "x.cfg")
    with pytest.raises(WeightsError, match="'mish' activation"):
        from engine.keras_models.darknet_cfg import build_darknet_model
        build_darknet_model(parse_cfg_text(
            _net(64) + _conv(40, 1, activation="mish") + _region(3, "1,1, 2,2"), "m.cfg"))
    with pytest.raises(WeightsError, match="sets groups=2"):
        build_darknet_model(parse_cfg_text(
            _net(64) + _conv(40, 1).replace("size=1", "size=1\ngroups=2") +
            _region(3, "1,1, 2,2"), "g.cfg"))
    with pytest.raises(WeightsError, match="not start with a \\[net\\]"):
        parse_cfg_text(_conv(8, 3), "x.cfg")
    with pytest.raises(WeightsError, match="neither a \\[section\\] nor a key=value"):
        parse_cfg_text("hello world\n", "x.cfg")
    (tmp_path / "blob.cfg").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 20)
    with pytest.raises(WeightsError, match="not a text file"):
        read_cfg(tmp_path / "blob.cfg")
    (tmp_path / "lonely.weights").write_bytes(b"\0" * 64)
    with pytest.raises(WeightsError, match="lonely.cfg is missing"):
        load_yolo_detector(tmp_path / "lonely.weights")
    (tmp_path / "short.cfg").write_text(TINY_CFG)
    (tmp_path / "short.weights").write_bytes(b"\0" * 5)
    with pytest.raises(WeightsError, match="too short"):
        load_yolo_detector(tmp_path / "short.weights")
    with pytest.raises(WeightsError, match="neither a Keras .h5 nor a Darknet"):
        load_yolo_detector(tmp_path / "picture.png")
    huge = _net(64) + _conv(60000, 15) + _conv(60000, 15) + _region(3, "1,1")
    with pytest.raises(WeightsError, match="more than"):
        from engine.keras_models.darknet_cfg import build_darknet_model
        build_darknet_model(parse_cfg_text(huge, "huge.cfg"))


# ---- YAD2K's yolo.h5 ------------------------------------------------------------

def _yad2k_layers(num_classes=3, divisor=16, offset=0):
    """[(layer name, [(weight name, array)])] in a YAD2K model's order, with the
    arrays a YOLOv2 at 1/divisor width holds (layers without weights included)."""
    from engine.keras_models.yolo_body import yolo_weight_shapes

    rng = np.random.default_rng(7)
    convs, norms = yolo_weight_shapes(5, num_classes, divisor)
    layers = [("input_1", [])]
    for k, shapes in enumerate(convs, start=1):
        names = ["kernel:0", "bias:0"][:len(shapes)]
        layers.append((f"conv2d_{k + offset}",
                       [(n, rng.normal(0, .1, s).astype(np.float32))
                        for n, s in zip(names, shapes)]))
        if k <= len(norms):
            c = norms[k - 1]
            layers.append((f"batch_normalization_{k + offset}", [
                ("gamma:0", rng.uniform(.5, 1.5, c).astype(np.float32)),
                ("beta:0", rng.normal(0, .1, c).astype(np.float32)),
                ("moving_mean:0", rng.normal(0, .1, c).astype(np.float32)),
                ("moving_variance:0", rng.uniform(.5, 2, c).astype(np.float32))]))
            layers.append((f"leaky_re_lu_{k + offset}", []))
        if k == 21:
            layers += [("space_to_depth_x2", []), ("concatenate_1", [])]
    return layers


def _model_config(side):
    """A Keras 2 model_config as YAD2K saved it: an InputLayer and the Lambda layer
    whose marshalled function Keras 3 would refuse to run."""
    return json.dumps({"class_name": "Model", "config": {"name": "model_1", "layers": [
        {"class_name": "InputLayer", "name": "input_1",
         "config": {"batch_input_shape": [None, side, side, 3], "dtype": "float32"}},
        {"class_name": "Lambda", "name": "space_to_depth_x2",
         "config": {"function": ["4wEAAAAAAAAAAQAAAAQAAABDAAAAcw4AAAB0AGoBfABkAWQCjQJTACkD",
                                 None, None], "function_type": "lambda"}}]}})


def _write_yad2k_h5(path, layers, full_model=True, side=64):
    with h5py.File(path, "w") as f:
        if full_model:
            f.attrs["model_config"] = _model_config(side)
            f.attrs["keras_version"] = "2.1.5"
            f.attrs["backend"] = "tensorflow"
            group = f.create_group("model_weights")
        else:
            group = f
        group.attrs["layer_names"] = [name.encode() for name, _ in layers]
        for name, arrays in layers:
            sub = group.create_group(name)
            sub.attrs["weight_names"] = [f"{name}/{w}".encode() for w, _ in arrays]
            for w, value in arrays:
                sub.create_dataset(f"{name}/{w}", data=value)


def _check_landed(model, layers):
    for name, arrays in layers:
        if not arrays:
            continue
        number = int(name.rsplit("_", 1)[1])
        kind = name.rsplit("_", 1)[0]
        ours = model.get_layer(f"{kind}_{number - (number > 23) * 30}")
        for got, (_, want) in zip(ours.get_weights(), arrays):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("full_model", [True, False])
def test_yad2k_h5_every_array_lands_in_its_layer(keras, tmp_path, full_model):
    from engine.keras_models.yolo_detector import load_yolo_detector

    layers = _yad2k_layers()
    _write_yad2k_h5(tmp_path / "yolo.h5", layers, full_model)
    (tmp_path / "classes.txt").write_text("car\nbus\ntruck\n")
    detector = load_yolo_detector(tmp_path / "yolo.h5")
    model = detector.model
    # the config's input shape (64) is used when present; 608 otherwise
    assert model.input_shape == ((None, 64, 64, 3) if full_model else (None, 608, 608, 3))
    assert model.output_shape[-1] == 5 * (5 + 3)
    assert model.get_layer("reorg").order == "tensorflow"
    assert detector.class_names == ["car", "bus", "truck"]
    _check_landed(model, layers)
    assert not [l for l in model.layers if l.__class__.__name__ == "Lambda"]


def test_yad2k_h5_counters_offset_and_keras3_round_trip(keras, tmp_path):
    from engine.keras_models.yolo_weights import load_yolo_h5

    layers = _yad2k_layers(offset=30)           # saved in a session that had run before
    _write_yad2k_h5(tmp_path / "later.h5", layers)
    model, classes = load_yolo_h5(tmp_path / "later.h5")
    assert classes == 3
    _check_landed(model, layers)
    model.save_weights(tmp_path / "ours.weights.h5")
    again, _ = load_yolo_h5(tmp_path / "ours.weights.h5")
    for a, b in zip(again.weights, model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_hostile_h5_files_one_sentence_each(keras, tmp_path):
    from engine.keras_models.yolo_weights import load_yolo_h5

    (tmp_path / "text.h5").write_text("this is a text file named .h5\n")
    with pytest.raises(WeightsError, match="not an HDF5 file"):
        load_yolo_h5(tmp_path / "text.h5")
    # declares a 32 GB kernel in a file of a few KB: refused from its shape alone
    layers = _yad2k_layers()
    with h5py.File(tmp_path / "bomb.h5", "w") as f:
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [n.encode() for n, _ in layers]
        for name, arrays in layers:
            sub = group.create_group(name)
            sub.attrs["weight_names"] = [f"{name}/{w}".encode() for w, _ in arrays]
            for w, value in arrays:
                shape = (3, 3, 3, 2 ** 28) if name == "conv2d_1" else value.shape
                sub.create_dataset(f"{name}/{w}", shape=shape, dtype="f4")
    assert (tmp_path / "bomb.h5").stat().st_size < 10 ** 7
    started = time.perf_counter()
    with pytest.raises(WeightsError, match="layer 'conv2d_1' has arrays of shape"):
        load_yolo_h5(tmp_path / "bomb.h5")
    assert time.perf_counter() - started < 5
    # another architecture: a small CNN's file
    other = [("conv2d_1", [("kernel:0", np.zeros((3, 3, 3, 8), np.float32))]),
             ("dense_1", [("kernel:0", np.zeros((8, 2), np.float32)),
                          ("bias:0", np.zeros(2, np.float32))])]
    _write_yad2k_h5(tmp_path / "other.h5", other)
    with pytest.raises(WeightsError, match="YOLOv2"):
        load_yolo_h5(tmp_path / "other.h5")
    # right layer count, integer arrays
    layers = [(n, [(w, v.astype(np.int32)) for w, v in a]) for n, a in _yad2k_layers()]
    _write_yad2k_h5(tmp_path / "ints.h5", layers)
    with pytest.raises(WeightsError, match="not floating-point"):
        load_yolo_h5(tmp_path / "ints.h5")
    with h5py.File(tmp_path / "empty.h5", "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    with pytest.raises(WeightsError, match="0 convolutions"):
        load_yolo_h5(tmp_path / "empty.h5")


def test_registry_finds_yolo_h5_and_says_where(keras, tmp_path, monkeypatch):
    from engine.keras_models.yolo_detector import detect_image
    from engine.user_data import USER_DIR_ENV
    from engine.weights import get_entry

    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path))
    entry = get_entry("yolov2")
    assert entry.find() is None
    with pytest.raises(WeightsError, match="yolo.h5"):
        entry.load()
    (tmp_path / "weights" / "yolo").mkdir(parents=True)
    _write_yad2k_h5(tmp_path / "weights" / "yolo" / "yolo.h5", _yad2k_layers())
    (tmp_path / "weights" / "yolo" / "classes.txt").write_text("car\nbus\ntruck\n")
    found = detect_image(np.zeros((30, 50, 3), np.uint8), score_threshold=0.0,
                         max_boxes=3)
    assert found.image_shape == (30., 50.) and len(found.rows()) == 3
