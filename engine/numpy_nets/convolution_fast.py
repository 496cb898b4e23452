"""Vectorized twins of the course's convolution and pooling loops.

Same signatures, caches and results as ``engine/numpy_nets/convolution.py`` (equal to
1e-10; ``tests/engine/test_convolution.py`` checks it), so the two are interchangeable:
a cache made by one backward-passes through the other. The loop versions teach; these
are what the lesson's ConvNet trains with (``benchmarks/conv_vectorized.py`` measures
the difference).

Two ideas carry all of it:

* im2col: ``sliding_window_view`` sees every f x f x n_C_prev window of the padded
  input without copying; one copy lays them out as rows of a matrix, and the whole
  convolution is then a single matrix product with the filters (BLAS does the loops).
* kernel offsets: an output cell (h, w) reads input cell (h*stride + i, w*stride + j)
  for the kernel offset (i, j). Looping over the f*f offsets (9 for a 3x3 filter) and
  moving whole strided slices at each one scatters gradients back without
  ``np.add.at`` (which is slow) and without any per-cell Python loop.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.numpy_nets.convolution import zero_pad


def _offset_slice(offset: int, count: int, stride: int) -> slice:
    """The input rows (or columns) that kernel offset ``offset`` touches, one per output
    row: offset, offset + stride, ..., for ``count`` outputs."""
    return slice(offset, offset + stride * (count - 1) + 1, stride)


def _windows(A_pad, f, stride, n_H, n_W):
    """Every f x f window of ``A_pad`` (m, H, W, C) as a view (m, n_H, n_W, f, f, C)."""
    view = sliding_window_view(A_pad, (f, f), axis=(1, 2))    # (m, H-f+1, W-f+1, C, f, f)
    view = view[:, ::stride, ::stride][:, :n_H, :n_W]
    return view.transpose(0, 1, 2, 4, 5, 3)


def _im2col(A_prev, f, stride, pad, n_H, n_W):
    """Rows (m*n_H*n_W, f*f*n_C_prev): one row per output cell, holding its window in
    W's (i, j, channel) order, so ``rows @ W.reshape(-1, n_C)`` is the convolution."""
    m, n_C_prev = A_prev.shape[0], A_prev.shape[3]
    windows = _windows(zero_pad(A_prev, pad), f, stride, n_H, n_W)
    return windows.reshape(m * n_H * n_W, f * f * n_C_prev)   # the one copy


def conv_forward_fast(A_prev, W, b, hparameters):
    """``conv_forward`` as one matrix product. Returns ``(Z, cache)`` with the course's
    ``cache = (A_prev, W, b, hparameters)``."""
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1

    rows = _im2col(A_prev, f, stride, pad, n_H, n_W)
    Z = rows @ W.reshape(f * f * n_C_prev, n_C) + b.reshape(1, n_C)
    cache = (A_prev, W, b, hparameters)
    return Z.reshape(m, n_H, n_W, n_C), cache


def conv_filter_gradients(dZ, cache):
    """The filter and bias gradients of ``conv_backward`` alone, ``(dW, db)``: what a
    first layer needs (nothing upstream wants the gradient of the pixels)."""
    (A_prev, W, b, hparameters) = cache
    (f, f, n_C_prev, n_C) = W.shape
    (m, n_H, n_W, n_C) = dZ.shape
    dZ_rows = dZ.reshape(m * n_H * n_W, n_C)
    # Every output cell added its bias once; every window met each filter once.
    db = dZ_rows.sum(axis=0).reshape(b.shape)
    rows = _im2col(A_prev, f, hparameters["stride"], hparameters["pad"], n_H, n_W)
    dW = (rows.T @ dZ_rows).reshape(f, f, n_C_prev, n_C)
    return dW, db


def conv_backward_fast(dZ, cache):
    """``conv_backward`` without per-cell loops. Returns ``(dA_prev, dW, db)``."""
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dW, db = conv_filter_gradients(dZ, cache)

    # Input cell (h*stride + i, w*stride + j) received W[i, j] * dZ[h, w] from output
    # cell (h, w) for each kernel offset (i, j): one small product and one strided
    # slice addition per offset cover every window. (A 2-D product per offset beats
    # one big product whose (i, j) parts would then be read with awkward strides.)
    dZ_rows = dZ.reshape(m * n_H * n_W, n_C)
    dA_prev_pad = np.zeros((m, n_H_prev + 2 * pad, n_W_prev + 2 * pad, n_C_prev),
                           dtype=np.result_type(dZ, W))
    for i in range(f):
        rows_i = _offset_slice(i, n_H, stride)
        for j in range(f):
            share = (dZ_rows @ W[i, j].T).reshape(m, n_H, n_W, n_C_prev)
            dA_prev_pad[:, rows_i, _offset_slice(j, n_W, stride), :] += share
    dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return np.ascontiguousarray(dA_prev), dW, db


def _pool_size(A_prev, hparameters):
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = int(1 + (A_prev.shape[1] - f) / stride)
    n_W = int(1 + (A_prev.shape[2] - f) / stride)
    return f, stride, n_H, n_W


def _float_type(*arrays):
    """Floating inputs keep their precision (float32 stays float32); anything else
    computes in float64 as the loop versions do."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _check_mode(mode):
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average'; got {mode!r}")


def pool_forward_fast(A_prev, hparameters, mode="max"):
    """``pool_forward`` as f*f whole-array maximum / sum steps, one per window offset.
    Returns ``(A, cache)`` with ``cache = (A_prev, hparameters)``."""
    _check_mode(mode)
    f, stride, n_H, n_W = _pool_size(A_prev, hparameters)
    A = None
    for i in range(f):
        rows_i = _offset_slice(i, n_H, stride)
        for j in range(f):
            part = A_prev[:, rows_i, _offset_slice(j, n_W, stride), :]
            if A is None:
                A = np.array(part, dtype=_float_type(A_prev))
            elif mode == "max":
                np.maximum(A, part, out=A)
            else:
                A += part
    if mode == "average":
        A /= f * f
    return A, (A_prev, hparameters)


def pool_backward_fast(dA, cache, mode="max"):
    """``pool_backward`` with the loop version's semantics: in "max" mode EVERY input
    equal to its window's maximum receives the output gradient (as
    ``create_mask_from_window`` marks ties); in "average" mode each window cell gets
    1/f^2 of it. Returns ``dA_prev`` shaped like ``A_prev``."""
    _check_mode(mode)
    (A_prev, hparameters) = cache
    f, stride, n_H, n_W = _pool_size(A_prev, hparameters)
    dA_prev = np.zeros(A_prev.shape, dtype=_float_type(dA, A_prev))
    if mode == "max":
        A, _ = pool_forward_fast(A_prev, hparameters, "max")
    else:
        share = dA / (f * f)
    for i in range(f):
        rows_i = _offset_slice(i, n_H, stride)
        for j in range(f):
            cols_j = _offset_slice(j, n_W, stride)
            if mode == "max":
                # The mask for this offset across all windows: is this input the max?
                dA_prev[:, rows_i, cols_j, :] += (A_prev[:, rows_i, cols_j, :] == A) * dA
            else:
                dA_prev[:, rows_i, cols_j, :] += share
    return dA_prev
