"""VGG-19 in code and its two weight files, on small files of the same layouts."""
from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from engine.keras_models import vgg19_weights as vw  # noqa: E402
from engine.keras_models.vgg19 import (  # noqa: E402
    CONV_LAYERS, CONV_PARAMETERS, VGG19, VGG19Network, conv_shapes, parameter_count)
from engine.weights import WeightsError  # noqa: E402

DIVISOR = 16   # 4 ... 32 filters per layer: the layout of the real files, kilobytes big
# MatConvNet's 43 layers of VGG-19 in order (conv, relu, pool ... then the classifier)
MAT_ORDER = []
for _block, _count, _ in ((1, 2, 0), (2, 2, 0), (3, 4, 0), (4, 4, 0), (5, 4, 0)):
    for _i in range(1, _count + 1):
        MAT_ORDER += [f"conv{_block}_{_i}", f"relu{_block}_{_i}"]
    MAT_ORDER.append(f"pool{_block}")
MAT_ORDER += ["fc6", "relu6", "fc7", "relu7", "fc8", "prob"]


def _arrays(divisor=DIVISOR, seed=0):
    rng = np.random.RandomState(seed)
    return {name: (rng.randn(*k).astype(np.float32), rng.randn(*b).astype(np.float32))
            for name, (k, b) in conv_shapes(divisor).items()}


def write_mat(path, arrays, order=MAT_ORDER):
    import scipy.io
    layers = np.empty((1, len(order)), dtype=object)
    for i, name in enumerate(order):
        if name in arrays:
            kernel, bias = arrays[name]
            wb = np.empty((1, 2), dtype=object)
            wb[0, 0], wb[0, 1] = kernel, bias.reshape(-1, 1)   # MatConvNet: bias (out, 1)
            layers[0, i] = {"name": name, "type": "conv", "weights": wb}
        else:
            layers[0, i] = {"name": name, "type": "relu" if "relu" in name else "pool"}
    scipy.io.savemat(str(path), {"layers": layers,
                                 "classes": {"description": np.array(["tench"])}})


def write_keras_h5(path, arrays, rename=None):
    import h5py
    with h5py.File(path, "w") as f:
        names = []
        for name, (kernel, bias) in arrays.items():
            keras_name = (rename or vw.KERAS_NAMES)[name]
            names.append(keras_name)
            group = f.create_group(keras_name)
            w_names = [f"{keras_name}_W_1:0", f"{keras_name}_b_1:0"]
            group.create_dataset(w_names[0], data=kernel)
            group.create_dataset(w_names[1], data=bias)
            group.attrs["weight_names"] = [n.encode() for n in w_names]
        names += ["block5_pool"]
        f.create_group("block5_pool").attrs["weight_names"] = []
        f.attrs["layer_names"] = [n.encode() for n in names]


def test_vgg19_in_code_has_the_course_layers_and_size():
    assert parameter_count() == CONV_PARAMETERS == 20_024_384
    assert CONV_LAYERS[0] == "conv1_1" and CONV_LAYERS[-1] == "conv5_4" and len(CONV_LAYERS) == 16
    model = VGG19(DIVISOR)
    assert model.count_params() == parameter_count(DIVISOR)
    pools = [l for l in model.layers if "pool" in l.name]
    assert [type(l).__name__ for l in pools] == ["AveragePooling2D"] * 4
    assert not [l for l in model.layers if type(l).__name__ == "Lambda"]
    out = VGG19Network(model)(tf.zeros((1, 32, 48, 3)), ["conv4_2", "conv1_1"])
    assert out["conv4_2"].shape[1:3] == (4, 6) and out["conv1_1"].shape[1:3] == (32, 48)


def test_mat_file_every_array_lands_in_its_layer(tmp_path):
    arrays = _arrays()
    path = tmp_path / "imagenet-vgg-verydeep-19.mat"
    write_mat(path, arrays)
    model = VGG19(DIVISOR)
    vw.load_mat_weights(model, path)
    for name, (kernel, bias) in arrays.items():
        got_kernel, got_bias = model.get_layer(name).get_weights()
        assert np.array_equal(got_kernel, kernel) and np.array_equal(got_bias, bias), name


def test_keras_h5_every_array_lands_and_takes_rgb(tmp_path):
    arrays = _arrays(seed=1)
    path = tmp_path / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    write_keras_h5(path, arrays)
    model = VGG19(DIVISOR)
    vw.load_keras_h5_weights(model, path)
    for name, (kernel, bias) in arrays.items():
        got_kernel, got_bias = model.get_layer(name).get_weights()
        # Caffe's BGR first layer is turned to take the course's RGB pictures
        want = kernel[:, :, ::-1, :] if name == "conv1_1" else kernel
        assert np.array_equal(got_kernel, want) and np.array_equal(got_bias, bias), name
    # an RGB picture through the flipped layer = the BGR picture through the file's
    rgb = np.random.RandomState(2).randn(1, 8, 8, 3).astype(np.float32)
    ours = model.get_layer("conv1_1")(rgb)
    theirs = tf.nn.relu(tf.nn.conv2d(rgb[..., ::-1], arrays["conv1_1"][0], 1, "SAME")
                        + arrays["conv1_1"][1])
    assert np.allclose(ours, theirs, atol=1e-4)


def test_wrong_files_get_one_sentence(tmp_path):
    model = VGG19(DIVISOR)
    before = model.get_layer("conv1_1").get_weights()[0].copy()
    text = tmp_path / "notes.mat"
    text.write_text("these are not weights\n")
    with pytest.raises(WeightsError, match="not a MATLAB .mat file"):
        vw.load_mat_weights(model, text)
    h5_text = tmp_path / "notes.h5"
    h5_text.write_text("hello")
    with pytest.raises(WeightsError, match="not an HDF5 file"):
        vw.load_keras_h5_weights(model, h5_text)
    # VGG-16: no conv3_4, conv4_4, conv5_4
    arrays = {n: a for n, a in _arrays().items() if not n.endswith("_4")}
    vgg16 = tmp_path / "imagenet-vgg-verydeep-16.mat"
    write_mat(vgg16, arrays, [n for n in MAT_ORDER if not n.endswith("_4")])
    with pytest.raises(WeightsError, match="no layer 'conv3_4'"):
        vw.load_mat_weights(model, vgg16)
    # another network's .h5 (ResNet-like names)
    other = tmp_path / "resnet.h5"
    write_keras_h5(other, {"conv1_1": _arrays()["conv1_1"]}, rename={"conv1_1": "res2a"})
    with pytest.raises(WeightsError, match="block1_conv1"):
        vw.load_keras_h5_weights(model, other)
    # the right layers, the wrong sizes (full-size VGG-19 file for the small network)
    wrong = tmp_path / "wrong.mat"
    write_mat(wrong, _arrays(divisor=8))
    with pytest.raises(WeightsError, match="conv1_1"):
        vw.load_mat_weights(model, wrong)
    # truncated files
    good = tmp_path / "good.mat"
    write_mat(good, _arrays())
    cut = tmp_path / "cut.mat"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(WeightsError) as info:
        vw.load_mat_weights(model, cut)
    assert "cut.mat" in str(info.value) and str(info.value).count(".") <= 3
    good_h5 = tmp_path / "good.h5"
    write_keras_h5(good_h5, _arrays())
    cut_h5 = tmp_path / "cut.h5"
    cut_h5.write_bytes(good_h5.read_bytes()[: good_h5.stat().st_size // 2])
    with pytest.raises(WeightsError, match="cut.h5"):
        vw.load_keras_h5_weights(model, cut_h5)
    # nothing was changed by any of these
    assert np.array_equal(model.get_layer("conv1_1").get_weights()[0], before)


def test_registry_and_network_choice(tmp_path, monkeypatch):
    from engine.keras_models import style_networks
    from engine.weights import get_entry, weights_dir
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    entry = get_entry("vgg19")
    assert entry.find() is None
    chosen = style_networks.default_network()
    assert chosen.kind == "embedded" and "no VGG-19 weights" in chosen.sentence
    with pytest.raises(WeightsError, match="imagenet-vgg-verydeep-19.mat"):
        style_networks.default_network(style_networks.NETWORK_VGG19)
    # a wrong file where Keras keeps its download: the embedded network paints, and says why
    cache = tmp_path / "keras" / "models"
    cache.mkdir(parents=True)
    (cache / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5").write_text("oops")
    chosen = style_networks.default_network()
    assert chosen.kind == "embedded" and "not an HDF5 file" in chosen.sentence
    # a good file in the weights folder is found (first) and loaded by the registry
    target = weights_dir() / "vgg19" / "imagenet-vgg-verydeep-19.mat"
    target.parent.mkdir(parents=True)
    write_mat(target, _arrays(divisor=DIVISOR))
    assert entry.find() == target
    monkeypatch.setattr(vw, "conv_shapes", lambda divisor=1: conv_shapes(DIVISOR))
    monkeypatch.setattr(vw, "VGG19", lambda: VGG19(DIVISOR))
    network = entry.load()
    assert isinstance(network, VGG19Network) and "imagenet-vgg-verydeep-19.mat" in \
        network.source
