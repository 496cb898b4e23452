"""Reading VGG-19 weights into ``engine.keras_models.vgg19.VGG19``, array by layer.

Two forms people have:

- the course's ``imagenet-vgg-verydeep-19.mat`` (MatConvNet, read with
  ``scipy.io.loadmat``): a ``layers`` cell of 43 structs (conv, relu, pool, fc ...),
  each conv holding ``name`` (``conv1_1`` ...) and ``weights`` = {kernel (3, 3, in,
  out), bias (out, 1) or (1, out)}. The kernels are laid out (height, width, in, out)
  as TensorFlow's, which is how the course's ``load_vgg_model`` uses them; the bias is
  flattened. The network takes RGB minus the mean pixel, as the course does.
- Keras's ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` (what
  ``keras.applications.VGG19(include_top=False)`` downloads into
  ``~/.keras/models/``): groups ``block1_conv1`` ... ``block5_conv4``, each with its
  kernel and bias. Those weights were converted from Caffe and expect **BGR** pictures
  minus the mean ("caffe" preprocessing), so the first layer's kernel has its input
  channels reversed: the network then takes the course's RGB pictures unchanged
  (the mean pixel is the same colour by colour).

Both files are checked before any array is read (the MAT file's variable list with
``scipy.io.whosmat``, the HDF5 datasets' shapes), and a file of another network, a
truncated one or a text file is refused with one sentence naming what is wrong.
Nothing in either file is executed.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.keras_models.vgg19 import BLOCKS, CONV_LAYERS, VGG19, VGG19Network, conv_shapes
from engine.weights import WeightsError

# The real files are ~535 MB (.mat) and ~80 MB (.h5); anything far larger is not one.
MAX_FILE_BYTES = 2_000_000_000
KERAS_NAMES = {f"conv{b}_{i}": f"block{b}_conv{i}"
               for b, count, _ in BLOCKS for i in range(1, count + 1)}
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise WeightsError(f"VGG-19 weights not found at {path}.")
    size = path.stat().st_size
    if size == 0:
        raise WeightsError(f"{path.name} is empty.")
    if size > MAX_FILE_BYTES:
        raise WeightsError(f"{path.name} is {size / 1e9:.1f} GB: far larger than a VGG-19 "
                           "weights file.")


def _check_arrays(source: str, arrays: dict, expected: dict) -> None:
    """Every conv layer present with the expected kernel and bias sizes."""
    for name, (kernel_shape, bias_shape) in expected.items():
        if name not in arrays:
            raise WeightsError(f"{source} has no layer '{name}': it is not VGG-19 "
                               "(VGG-16, for one, has no conv3_4).")
        kernel, bias = arrays[name]
        if tuple(kernel) != kernel_shape or int(np.prod(bias)) != bias_shape[0]:
            raise WeightsError(f"{source}: layer '{name}' has a kernel of shape "
                               f"{tuple(kernel)}; VGG-19 needs {kernel_shape}.")


# --- the course's MatConvNet file ---

def _mat_layers_variable(path: Path) -> None:
    import scipy.io
    try:
        variables = scipy.io.whosmat(str(path))
    except NotImplementedError:
        raise WeightsError(f"{path.name} is a MATLAB v7.3 (HDF5) file; the course's "
                           "imagenet-vgg-verydeep-19.mat is an older MAT file.") from None
    except Exception:  # noqa: BLE001 - scipy raises many kinds for a non-MAT file
        raise WeightsError(f"{path.name} is not a MATLAB .mat file (or it is "
                           "damaged).") from None
    found = {name: (shape, kind) for name, shape, kind in variables}
    if "layers" not in found:
        raise WeightsError(f"{path.name} is a MAT file without a 'layers' variable: it is "
                           "not a MatConvNet network such as imagenet-vgg-verydeep-19.mat.")
    shape, _ = found["layers"]
    count = int(np.prod(shape))
    if count < len(CONV_LAYERS):
        raise WeightsError(f"{path.name} holds {count} layers; VGG-19 has 43 (16 of them "
                           "convolutions).")


def _struct_field(struct, name):
    value = struct[name]
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.flat[0]
    return value


def _text(value) -> str:
    if isinstance(value, np.ndarray):
        value = value.flat[0] if value.size else ""
    return str(value)


def read_mat_weights(path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{conv layer: (kernel (3, 3, in, out), bias (out,))} from a MatConvNet file."""
    import scipy.io

    path = Path(path)
    _check_file(path)
    _mat_layers_variable(path)
    try:
        vgg = scipy.io.loadmat(str(path))
    except MemoryError:
        raise WeightsError(f"Not enough memory to read {path.name}.") from None
    except Exception:  # noqa: BLE001 - truncated / damaged files fail in many ways
        raise WeightsError(f"{path.name} could not be read: the file is truncated or "
                           "damaged.") from None
    layers = np.asarray(vgg["layers"]).reshape(-1)
    out = {}
    for entry in layers:
        # the course's file: a cell of (1, 1) structs; newer MatConvNet: a struct array
        struct = entry
        while isinstance(struct, np.ndarray) and struct.dtype == object:
            struct = struct.flat[0]
        if getattr(struct, "dtype", None) is None or struct.dtype.names is None or \
                "name" not in struct.dtype.names:
            raise WeightsError(f"{path.name}: its layers are not MatConvNet layer structs.")
        struct = struct.reshape(-1)[0] if struct.shape else struct
        name = _text(_struct_field(struct, "name"))
        if name not in KERAS_NAMES:
            continue
        fields = struct.dtype.names
        weights = struct["weights"] if "weights" in fields else None
        if weights is None:
            raise WeightsError(f"{path.name}: layer '{name}' has no weights.")
        cells = np.asarray(weights)
        while cells.dtype == object and cells.size == 1 and \
                isinstance(cells.flat[0], np.ndarray) and cells.flat[0].dtype == object:
            cells = cells.flat[0]
        cells = cells.reshape(-1)
        if cells.size != 2:
            raise WeightsError(f"{path.name}: layer '{name}' should hold a kernel and a "
                               f"bias; it holds {cells.size} arrays.")
        out[name] = (np.asarray(cells[0]), np.asarray(cells[1]).reshape(-1))
    return out


def load_mat_weights(model, path) -> None:
    """Set ``model``'s (a ``VGG19``) conv layers from the course's .mat file."""
    path = Path(path)
    arrays = read_mat_weights(path)
    _set(model, arrays, path.name)


# --- Keras's notop .h5 ---

def read_keras_h5_weights(path, expected=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{conv layer (course name): (kernel, bias)} from Keras's VGG19 notop file, every
    dataset's shape checked before it is read; kernels already flipped to take RGB."""
    import h5py

    path = Path(path)
    _check_file(path)
    with open(path, "rb") as fh:
        if fh.read(8) != HDF5_SIGNATURE:
            raise WeightsError(f"{path.name} is not an HDF5 file (Keras's "
                               "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 is one).")
    expected = expected or conv_shapes()
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            shapes, datasets = {}, {}
            for name, keras_name in KERAS_NAMES.items():
                group = root.get(keras_name)
                if not isinstance(group, h5py.Group):
                    continue
                found = []
                group.visititems(lambda key, obj: found.append(obj)
                                 if isinstance(obj, h5py.Dataset) else None)
                kernels = [d for d in found if len(d.shape) == 4]
                biases = [d for d in found if len(d.shape) == 1]
                if len(kernels) != 1 or len(biases) != 1:
                    raise WeightsError(f"{path.name}: layer '{keras_name}' should hold one "
                                       f"kernel and one bias; it holds {len(found)} arrays.")
                shapes[name] = (kernels[0].shape, biases[0].shape)
                datasets[name] = (kernels[0], biases[0])
            if not shapes:
                raise WeightsError(f"{path.name} has no layer 'block1_conv1': it is not "
                                   "Keras's VGG-19 weights file.")
            _check_arrays(path.name, shapes, expected)
            out = {}
            for name, (kernel, bias) in datasets.items():
                kernel = np.asarray(kernel, np.float32)
                if name == "conv1_1":
                    kernel = kernel[:, :, ::-1, :]   # BGR (Caffe) -> the course's RGB
                out[name] = (kernel, np.asarray(bias, np.float32))
            return out
    except WeightsError:
        raise
    except (OSError, KeyError, ValueError, TypeError):
        raise WeightsError(f"{path.name} could not be read: the HDF5 file is truncated "
                           "or damaged.") from None


def load_keras_h5_weights(model, path) -> None:
    path = Path(path)
    arrays = read_keras_h5_weights(path, _model_shapes(model))
    _set(model, arrays, path.name)


# --- common ---

def _model_shapes(model) -> dict:
    return {name: tuple(tuple(w.shape) for w in model.get_layer(name).weights)
            for name in CONV_LAYERS}


def _set(model, arrays: dict, source: str) -> None:
    """Check every layer first (a wrong file changes nothing), then set them all."""
    from engine.keras_models.h5_weights import numeric_weights
    expected = _model_shapes(model)
    _check_arrays(source, {n: (a[0].shape, a[1].shape) for n, a in arrays.items()},
                  expected)
    # NaN / infinite / text weights are refused before any layer changes.
    ready = {name: numeric_weights(arrays[name], name, source) for name in CONV_LAYERS}
    for name in CONV_LAYERS:
        kernel, bias = ready[name]
        model.get_layer(name).set_weights([kernel, bias.reshape(-1)])


def load_vgg19_weights(model, path) -> None:
    """Either form, by the file's extension (.mat or .h5)."""
    path = Path(path)
    if path.suffix.lower() == ".mat":
        load_mat_weights(model, path)
    else:
        load_keras_h5_weights(model, path)


def load_vgg19_network(path) -> VGG19Network:
    """The registry's loader: a new VGG-19 with the weights at ``path``, wrapped for
    the painter. A wrong file fails before the network is built."""
    path = Path(path)
    if path.suffix.lower() == ".mat":
        arrays = read_mat_weights(path)
        _check_arrays(path.name, {n: (a[0].shape, a[1].shape) for n, a in arrays.items()},
                      conv_shapes())
    else:
        arrays = read_keras_h5_weights(path)
    model = VGG19()
    _set(model, arrays, path.name)
    return VGG19Network(model, f"weights from {path.name}")


def keras_cache_candidates() -> list[Path]:
    """Where Keras keeps the file it downloads: ``$KERAS_HOME/models`` or
    ``~/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [Path(home) / "models" / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"]
