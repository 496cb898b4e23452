"""Course 4, lesson 3.1: a convolutional layer and a pooling layer, step by step, with loops.

These are the course's functions with its names, signatures and return values, written
with explicit loops because the loops ARE the lesson: every output cell comes from one
window of the (padded) input. ``engine/numpy_nets/convolution_fast.py`` has vectorized
twins with the same signatures and caches, used wherever speed matters.

Tensors are ``(m, n_H, n_W, n_C)``; filters ``W`` are ``(f, f, n_C_prev, n_C)``; biases
``b`` are ``(1, 1, 1, n_C)``. Three places differ from the notebook's printed bodies,
on purpose (see the catalog's ANOMALY notes):

* the bias is added once per output cell, ``sum(a_slice * W) + b``; the notebook adds
  it inside the sum, i.e. ``f * f * n_C_prev`` times;
* ``pool_backward`` reads the output gradient at the output position ``dA[i, h, w, c]``;
  the notebook reads ``dA[i, vert_start, horiz_start, c]``, right only for stride 1;
* ``conv_backward`` works for ``pad = 0``, where the notebook's ``[pad:-pad]`` slice is
  empty.
"""
from __future__ import annotations

import numpy as np


def zero_pad(X, pad):
    """Pad every image of the batch ``X`` (m, n_H, n_W, n_C) with ``pad`` zeros on each
    side of its height and width (not of the batch or channel axes).

    Returns ``X_pad`` of shape (m, n_H + 2*pad, n_W + 2*pad, n_C).
    """
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), 'constant',
                   constant_values=0)
    return X_pad


def conv_single_step(a_slice_prev, W, b):
    """One filter ``W`` (f, f, n_C_prev) applied at one position: the element-wise
    product with the window ``a_slice_prev`` (f, f, n_C_prev), summed, plus the
    filter's single bias ``b`` (1, 1, 1).

    Returns ``Z``, a Python float.
    """
    # Element-wise product of the window and the filter: one weight per input value.
    s = np.multiply(a_slice_prev, W)
    # Sum over the whole volume, then add the bias once (one bias per filter).
    Z = np.sum(s)
    Z = float(Z + np.asarray(b, dtype=float).reshape(()))
    return Z


def conv_output_size(n_prev, f, pad, stride):
    """The course's output size: floor((n_prev - f + 2 pad) / stride) + 1."""
    return int((n_prev - f + 2 * pad) / stride) + 1


def conv_forward(A_prev, W, b, hparameters):
    """The forward pass of a convolution layer.

    Arguments: ``A_prev`` (m, n_H_prev, n_W_prev, n_C_prev) activations of the previous
    layer; ``W`` (f, f, n_C_prev, n_C) filters; ``b`` (1, 1, 1, n_C) biases;
    ``hparameters`` a dict with "stride" and "pad".

    Returns ``Z`` (m, n_H, n_W, n_C) and ``cache = (A_prev, W, b, hparameters)``.
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]

    # Output size from the course's formula; int() floors a positive quotient.
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1
    Z = np.zeros((m, n_H, n_W, n_C))

    # Pad once; every window is then a plain slice of the padded input.
    A_prev_pad = zero_pad(A_prev, pad)

    for i in range(m):                      # each example of the batch
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):                # each output row
            for w in range(n_W):            # each output column
                # The window's corners: it moves ``stride`` cells per output cell.
                vert_start = h * stride
                vert_end = vert_start + f
                horiz_start = w * stride
                horiz_end = horiz_start + f
                # Through all the input channels at once: a 3-D (f, f, n_C_prev) slice.
                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):        # each filter gives one output channel
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c],
                                                     b[:, :, :, c])

    assert Z.shape == (m, n_H, n_W, n_C)
    cache = (A_prev, W, b, hparameters)
    return Z, cache


def pool_forward(A_prev, hparameters, mode="max"):
    """The forward pass of a pooling layer (no padding, no parameters).

    ``hparameters`` holds "f" (window size) and "stride"; ``mode`` is "max" or
    "average". Returns ``A`` (m, n_H, n_W, n_C_prev) and ``cache = (A_prev, hparameters)``.
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average'; got {mode!r}")

    # No padding in pooling, so the formula loses its 2*pad term.
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev
    A = np.zeros((m, n_H, n_W, n_C))

    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vert_start = h * stride
                vert_end = vert_start + f
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    # Pooling acts on each channel separately: a 2-D window.
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    else:
                        A[i, h, w, c] = np.mean(a_prev_slice)

    cache = (A_prev, hparameters)
    assert A.shape == (m, n_H, n_W, n_C)
    return A, cache


def conv_backward(dZ, cache):
    """The backward pass of a convolution layer.

    ``dZ`` (m, n_H, n_W, n_C) is the gradient of the cost with respect to the layer's
    output; ``cache`` is ``conv_forward``'s. Returns ``dA_prev`` (shape of ``A_prev``),
    ``dW`` (f, f, n_C_prev, n_C) and ``db`` (1, 1, 1, n_C).
    """
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape

    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros(b.shape)

    # Gradients flow to the padded input (the windows were taken from it); the padding
    # is cut off at the end since nothing upstream produced it.
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)

    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                vert_start = h * stride
                vert_end = vert_start + f
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    # Each window received W_c * dZ: every input cell of it gets its
                    # weight times this output cell's gradient, summed over windows.
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += \
                        W[:, :, :, c] * dZ[i, h, w, c]
                    # The filter met this window here: it collects window * gradient.
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    # The bias was added once to every output cell of channel c.
                    db[:, :, :, c] += dZ[i, h, w, c]
        # Drop the padding; an explicit end index keeps pad = 0 working
        # ([pad:-pad] would be empty then).
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]

    assert dA_prev.shape == (m, n_H_prev, n_W_prev, n_C_prev)
    return dA_prev, dW, db


def create_mask_from_window(x):
    """True where ``x`` equals its maximum: the input(s) that decided a max-pool output.

    (With several equal maxima every one of them is marked.)
    """
    mask = (x == np.max(x))
    return mask


def distribute_value(dz, shape):
    """Spread the scalar ``dz`` evenly over a matrix of ``shape`` (n_H, n_W): each entry
    of an average-pool window contributed 1/(n_H n_W) of the output."""
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    a = np.ones(shape) * average
    return a


def pool_backward(dA, cache, mode="max"):
    """The backward pass of a pooling layer.

    ``dA`` is the gradient of the cost with respect to the pooling output (shape of
    ``A``); ``cache`` is ``pool_forward``'s. Returns ``dA_prev`` with the shape of
    ``A_prev``.
    """
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    m, n_H, n_W, n_C = dA.shape
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average'; got {mode!r}")

    dA_prev = np.zeros(A_prev.shape)

    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                vert_start = h * stride
                vert_end = vert_start + f
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    # The gradient of THIS output cell (h, w), whatever the stride.
                    da = dA[i, h, w, c]
                    if mode == "max":
                        # Only the window's maximum influenced the output.
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * da
                    else:
                        # Every cell of the window weighed 1/f^2 in the mean.
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += \
                            distribute_value(da, (f, f))

    assert dA_prev.shape == A_prev.shape
    return dA_prev
