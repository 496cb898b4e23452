"""Darknet ``.weights`` files read into a model built from their ``.cfg``.

The file is a header, then float32 arrays, convolution after convolution in the
cfg's order, with nothing to say where one ends (so the cfg must be the one the file
was trained with):

- header: major, minor, revision (int32 each), then the count of pictures seen:
  a uint64 when ``major * 10 + minor >= 2`` (and both < 1000), else an int32, so the
  header is 20 or 16 bytes (Darknet's ``load_weights_upto``);
- per convolution: its biases (n), and with batch normalisation the scales (n), the
  rolling means (n) and variances (n); then the kernel as (out, in, h, w).

The whole size is computed from the cfg and compared with the file's size before a
single array is read: a mismatch says both byte counts (the original
``yolov2.weights`` is 203,934,260 bytes = 16 + 4 x 50,983,561).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.keras_models.darknet_cfg import conv_plan
from engine.weights import WeightsError


def header_size(major: int, minor: int) -> int:
    return 20 if (major * 10 + minor) >= 2 and major < 1000 and minor < 1000 else 16


def conv_numbers(conv, norm) -> int:
    """How many float32 a convolution takes in the file."""
    filters = int(conv.filters)
    kernel = int(np.prod(conv.kernel.shape))
    return filters * (4 if norm is not None else 1) + kernel


def expected_numbers(model) -> int:
    return sum(conv_numbers(conv, norm) for conv, norm in conv_plan(model))


def read_header(path) -> tuple[int, int, int, int]:
    """(major, minor, revision, header bytes) of a .weights file."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(12)
    except OSError as exc:
        raise WeightsError(f"Could not read {path.name}: {exc.strerror or exc}.") \
            from None
    if len(raw) < 12:
        raise WeightsError(f"{path.name} is {len(raw)} bytes: too short for a Darknet "
                           ".weights header.")
    major, minor, revision = (int(v) for v in np.frombuffer(raw, "<i4"))
    return major, minor, revision, header_size(major, minor)


def check_weights_size(path: Path, header: int, numbers: int, cfg_name: str) -> None:
    """A ``.weights`` file is its header and 4 bytes per number, nothing else: any
    other size means the weights belong to another network (checked before reading)."""
    expected = header + 4 * numbers
    actual = path.stat().st_size
    if actual != expected:
        raise WeightsError(
            f"{path.name} is {actual:,} bytes but {cfg_name} needs {expected:,} "
            f"({header}-byte header + 4 x {numbers:,} numbers): the weights belong to "
            "another network.")


def load_darknet_weights(model, path, cfg_name: str = "the .cfg") -> None:
    """Set every convolution (and its batch normalisation) of ``model`` from the
    .weights file at ``path``; WeightsError, with nothing changed, when the file's
    size is not what the cfg needs."""
    path = Path(path)
    major, minor, revision, header = read_header(path)
    plan = conv_plan(model)
    check_weights_size(path, header, sum(conv_numbers(conv, norm) for conv, norm in plan),
                       cfg_name)
    updates = []
    with open(path, "rb") as f:
        f.seek(header)

        def take(count):
            # the size check above guarantees every read is complete
            return np.frombuffer(f.read(4 * count), "<f4").astype(np.float32)

        for conv, norm in plan:
            filters = int(conv.filters)
            kh, kw, channels_in, _ = (int(d) for d in conv.kernel.shape)
            biases = take(filters)
            if norm is not None:
                scales, means, variances = take(filters), take(filters), take(filters)
            kernel = take(filters * channels_in * kh * kw)
            kernel = kernel.reshape(filters, channels_in, kh, kw).transpose(2, 3, 1, 0)
            if norm is not None:
                updates.append((conv, [kernel]))
                updates.append((norm, [scales, biases, means, variances]))
            else:
                updates.append((conv, [kernel, biases]))
    for layer, arrays in updates:
        layer.set_weights(arrays)


def write_darknet_weights(model, path, version=(0, 2, 0), seen=0) -> int:
    """Write ``model``'s convolutions in Darknet's layout (tests and the benchmark
    make their files with it); returns the byte count."""
    major, minor, revision = version
    header = header_size(major, minor)
    with open(path, "wb") as f:
        f.write(np.array([major, minor, revision], "<i4").tobytes())
        f.write(np.array([seen], "<u8" if header == 20 else "<i4").tobytes())
        for conv, norm in conv_plan(model):
            weights = conv.get_weights()
            if norm is not None:
                gamma, beta, mean, variance = norm.get_weights()
                parts = [beta, gamma, mean, variance]
            else:
                parts = [weights[1]]
            parts.append(weights[0].transpose(3, 2, 0, 1))   # (h,w,in,out) -> (out,in,h,w)
            for part in parts:
                f.write(np.ascontiguousarray(part, "<f4").tobytes())
    return Path(path).stat().st_size
