"""What the convolution stepper shows, one output cell at a time (pure NumPy, no Qt).

The course's ``conv_forward`` / ``pool_forward`` loop over every output cell and do a
tiny piece of arithmetic there. ``ConvStepper`` exposes exactly that piece for step k
(row-major over the output cells): the window's corners with the course's names
(``vert_start`` ...), the window, the elementwise products, their sum plus the bias,
and the output filled so far. ``backward`` shows, for one output cell, where its
gradient goes: for a convolution ``da_prev_pad[window] += W * dZ[h, w]`` and
``dW += a_slice * dZ[h, w]`` (as in ``conv_backward``), for pooling the window's max
mask (``create_mask_from_window``) or an even share (``distribute_value``).

The panel draws these views and never does the arithmetic itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.jobs import LessonError
from engine.numpy_nets.convolution import (conv_single_step, create_mask_from_window,
                                           distribute_value)

MODES = ("convolution", "max", "average")
FILTERS = ("vertical edge", "horizontal edge", "blur", "sharpen", "random")
# The course's pictures (cats, SIGNS hands) are 64x64: at that size they need no
# resampling, the cat and its edges are recognisable, and the 4096 steps of a 3x3 filter
# still play through in seconds and jump to the end in a few hundredths of a second.
PICTURE_SIZE = 64
# A jump over more steps than this runs the course's conv_forward / pool_forward once
# (one tight loop) instead of stepping the cells one by one; the numbers are the same.
WHOLE_LOOP_AFTER = 256


class ConvSettingsError(LessonError):
    """Settings that give no output (filter larger than the padded input...)."""


# --- output size -------------------------------------------------------------------

def output_size(n_prev: int, f: int, stride: int, pad: int = 0) -> int:
    """The course's formula ``floor((n_prev - f + 2*pad) / stride) + 1``."""
    return (n_prev - f + 2 * pad) // stride + 1


def check_settings(n_H_prev: int, n_W_prev: int, f: int, stride: int, pad: int,
                   mode: str = "convolution") -> str:
    """"" when the settings give an output; otherwise one sentence saying why not."""
    if mode not in MODES:
        return f"Unknown mode {mode!r}; choose one of {', '.join(MODES)}."
    if stride < 1:
        return f"The stride must be at least 1 (it is {stride}): the window has to move."
    if f < 1:
        return f"The filter size f must be at least 1 (it is {f})."
    if pad < 0:
        return f"The padding cannot be negative (it is {pad})."
    if mode != "convolution" and pad:
        return "Pooling uses no padding here (as in the course): set pad to 0."
    height, width = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    if f > height or f > width:
        what = "padded input" if pad else "input"
        return (f"The {f}x{f} filter is larger than the {height}x{width} {what}: "
                f"it fits nowhere, so there is no output. Lower f or add padding.")
    return ""


def shape_formula(n_H_prev: int, n_W_prev: int, f: int, stride: int, pad: int,
                  mode: str = "convolution") -> str:
    """The output-size formula with the current numbers filled in, e.g.
    ``n_H = ⌊(5 − 3 + 2·1)/1⌋ + 1 = 5``; for impossible settings, the reason."""
    problem = check_settings(n_H_prev, n_W_prev, f, stride, pad, mode)
    if problem:
        return problem
    lines = []
    for name, n_prev in (("n_H", n_H_prev), ("n_W", n_W_prev)):
        padded = f" + 2·{pad}" if mode == "convolution" else ""
        lines.append(f"{name} = ⌊({n_prev} − {f}{padded})/{stride}⌋ + 1 = "
                     f"{output_size(n_prev, f, stride, pad)}")
    return ";   ".join(lines)


# --- inputs and filters ------------------------------------------------------------

def random_volume(shape=(5, 5, 1), seed: int = 1) -> np.ndarray:
    """A small volume readable on screen: integers 0..9 for one channel, one-decimal
    values for several (the course's ``np.random.seed(1)`` style)."""
    np.random.seed(seed)
    if shape[2] == 1:
        return np.random.randint(0, 10, size=shape).astype(np.float64)
    return np.round(np.random.randn(*shape), 1)


def grey_picture(image: np.ndarray, size: int = PICTURE_SIZE) -> np.ndarray:
    """An RGB uint8 picture as a ``(size, size, 1)`` grey volume with values 0..1
    (resampled only when it is not ``size`` x ``size`` already)."""
    from engine.data.images import load_image_for_model

    small = load_image_for_model(np.asarray(image), (size, size)).astype(np.float64) / 255.
    grey = small @ np.array([0.299, 0.587, 0.114])
    return np.round(grey, 3)[:, :, None]


def picture_input(source: str, size: int = PICTURE_SIZE) -> tuple[np.ndarray, str]:
    """Load a picture for the stepper: "hand" (a SIGNS picture), "cat" (course 1's cat
    data) or a path to the user's own file. Returns the grey volume and a caption.
    Slow (reads files, may draw the stand-in): call it off the UI thread."""
    def how(image) -> str:
        rows, cols = np.asarray(image).shape[:2]
        if (rows, cols) == (size, size):
            return f"{size}x{size} grey"
        return f"shrunk from {cols}x{rows} to {size}x{size} grey"

    if source == "hand":
        # One picture is all we need: read the course's test file when it is there
        # (a real photograph) rather than building the whole SIGNS dataset.
        from engine.data.course_files import find_course_file, read_h5_split
        path = find_course_file("test_signs.h5")
        if path is not None:
            images, labels, _ = read_h5_split(path, "test")
            return grey_picture(images[0], size), \
                f"hand sign '{int(labels[0, 0])}' from {path.name}, {how(images[0])}"
        from engine.data.hand_signs import draw_hand_sign
        picture = draw_hand_sign(np.random.default_rng(0), 3)
        return grey_picture(picture, size), \
            f"a drawn hand sign '3' (the SIGNS stand-in), {how(picture)}"
    if source == "cat":
        from engine.data.course_files import load_cat_dataset
        data = load_cat_dataset()
        index = int(np.flatnonzero(data.Y_train[0] == 1)[0])
        where = "the stand-in cat pictures" if data.is_standin else "train_catvnoncat.h5"
        return grey_picture(data.X_train[index], size), \
            f"cat picture #{index} from {where}, {how(data.X_train[index])}"
    from engine.data.images import load_image_for_model
    import os
    rgb = load_image_for_model(source, (size, size))   # DataError for a non-picture
    return grey_picture(rgb, size), \
        f"{os.path.basename(source)}, resized to {size}x{size} grey"


def make_filter(name: str, f: int, n_C: int = 1, seed: int = 1) -> tuple[np.ndarray, float]:
    """A named ``(f, f, n_C)`` filter and its bias. The edge filters are Sobel's for
    f = 3 (smoothing along the edge, a difference across it), stretched for other f."""
    if name not in FILTERS:
        raise ConvSettingsError(f"Unknown filter {name!r}; choose one of {', '.join(FILTERS)}.")
    bias = 0.0
    if name in ("vertical edge", "horizontal edge"):
        along = np.array([_binomial(f - 1, k) for k in range(f)], dtype=np.float64)
        across = np.linspace(1, -1, f) if f > 1 else np.ones(1)
        kernel = np.outer(along, across)
        if name == "horizontal edge":
            kernel = kernel.T
    elif name == "blur":
        kernel = np.full((f, f), 1.0 / (f * f))
    elif name == "sharpen":
        if f == 3:
            kernel = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
        else:  # twice the pixel minus the local average
            kernel = -np.full((f, f), 1.0 / (f * f))
            kernel[f // 2, f // 2] += 2.0
    else:
        np.random.seed(seed)
        weights = np.round(np.random.randn(f, f, n_C), 1)
        return weights, float(np.round(np.random.randn(), 1))
    return np.repeat(kernel[:, :, None], n_C, axis=2), bias


def _binomial(n: int, k: int) -> int:
    from math import comb
    return comb(n, k)


# --- the stepper ---------------------------------------------------------------------

@dataclass
class StepView:
    """What one step of the forward loop computes."""
    k: int
    h: int
    w: int
    vert_start: int
    vert_end: int
    horiz_start: int
    horiz_end: int
    window: np.ndarray          # (f, f, n_C) slice of the padded input
    products: np.ndarray | None  # window * W (convolution only)
    total: float | None          # sum of the products (convolution only)
    bias: float
    value: np.ndarray            # convolution: (1,) = total + bias; pooling: (n_C,)
    mask: np.ndarray | None      # max pooling: create_mask_from_window per channel


@dataclass
class BackwardView:
    """Where the gradient of one output cell goes."""
    h: int
    w: int
    dz: np.ndarray               # the gradient at the cell: (1,) or (n_C,) for pooling
    window: tuple[int, int, int, int]   # vert_start, vert_end, horiz_start, horiz_end
    d_input: np.ndarray          # contribution to dA_prev (padded for a convolution)
    d_weights: np.ndarray | None  # contribution to dW (convolution only)
    d_bias: float | None


@dataclass
class FeatureMaps:
    """The picture in, the feature map out (filling in as the loop runs), its ReLU."""
    picture: np.ndarray          # the input without padding (n_H_prev, n_W_prev, n_C_prev)
    output: np.ndarray           # Z (convolution) or A (pooling) after the steps so far
    relu: np.ndarray | None      # max(0, Z) for a convolution; None for pooling
    full_output: np.ndarray      # the whole output: its range keeps colours still
    full_relu: np.ndarray | None
    complete: bool               # every step has run


class ConvStepper:
    """One example through one filter (or a pooling window), a cell at a time.

    ``volume`` is ``(n_H_prev, n_W_prev, n_C_prev)``; ``weights`` ``(f, f, n_C_prev)``
    for a convolution (ignored for pooling). Impossible settings raise
    ``ConvSettingsError`` with the sentence ``check_settings`` gives.
    """

    def __init__(self, volume, weights=None, bias: float = 0.0, stride: int = 1,
                 pad: int = 0, mode: str = "convolution", f: int | None = None) -> None:
        self.volume = np.asarray(volume, dtype=np.float64)
        if self.volume.ndim == 2:
            self.volume = self.volume[:, :, None]
        self.mode = mode
        if mode == "convolution":
            if weights is None:
                raise ConvSettingsError("A convolution needs a filter.")
            self.weights = np.asarray(weights, dtype=np.float64)
            if self.weights.ndim == 2:
                self.weights = self.weights[:, :, None]
            f = self.weights.shape[0]
            if self.weights.shape[2] != self.volume.shape[2]:
                raise ConvSettingsError(
                    f"The filter has {self.weights.shape[2]} channels but the input has "
                    f"{self.volume.shape[2]}: they must match.")
        else:
            self.weights = None
            pad = 0 if pad is None else pad
        self.f, self.stride, self.pad, self.bias = int(f), int(stride), int(pad), float(bias)
        n_H_prev, n_W_prev, self.n_C_prev = self.volume.shape
        problem = check_settings(n_H_prev, n_W_prev, self.f, self.stride, self.pad, mode)
        if problem:
            raise ConvSettingsError(problem)
        self.padded = np.pad(self.volume, ((self.pad, self.pad), (self.pad, self.pad), (0, 0)),
                             mode="constant", constant_values=0)
        self.n_H = output_size(n_H_prev, self.f, self.stride, self.pad)
        self.n_W = output_size(n_W_prev, self.f, self.stride, self.pad)
        self.n_C = 1 if mode == "convolution" else self.n_C_prev
        # Values computed step by step (NaN until their step has run).
        self._values = np.full((self.n_H, self.n_W, self.n_C), np.nan)
        self._course = None   # the course loop's whole output, once asked for

    @property
    def total_steps(self) -> int:
        return self.n_H * self.n_W

    @property
    def is_padding(self) -> np.ndarray:
        """``(n_H_prev + 2 pad, n_W_prev + 2 pad)`` True on the added zeros."""
        inside = np.zeros(self.padded.shape[:2], dtype=bool)
        inside[self.pad:self.pad + self.volume.shape[0],
               self.pad:self.pad + self.volume.shape[1]] = True
        return ~inside

    def cell(self, k: int) -> tuple[int, int]:
        if not 0 <= k < self.total_steps:
            raise IndexError(f"step {k} outside 0..{self.total_steps - 1}")
        return divmod(k, self.n_W)

    def corners(self, h: int, w: int) -> tuple[int, int, int, int]:
        vert_start = h * self.stride
        horiz_start = w * self.stride
        return vert_start, vert_start + self.f, horiz_start, horiz_start + self.f

    def step(self, k: int) -> StepView:
        h, w = self.cell(k)
        vert_start, vert_end, horiz_start, horiz_end = self.corners(h, w)
        window = self.padded[vert_start:vert_end, horiz_start:horiz_end, :]
        products = total = mask = None
        if self.mode == "convolution":
            products = window * self.weights
            total = float(np.sum(products))
            # the course's own step: sum(window * W) + b, the bias added once
            value = np.array([conv_single_step(window, self.weights,
                                               np.full((1, 1, 1), self.bias))])
        elif self.mode == "max":
            value = np.array([np.max(window[:, :, c]) for c in range(self.n_C)])
            mask = np.stack([create_mask_from_window(window[:, :, c])
                             for c in range(self.n_C)], axis=2)
        else:
            # per channel, as pool_forward does (same summation order, same bits)
            value = np.array([np.mean(window[:, :, c]) for c in range(self.n_C)])
        self._values[h, w, :] = value
        return StepView(k, h, w, vert_start, vert_end, horiz_start, horiz_end, window,
                        products, total, self.bias if self.mode == "convolution" else 0.0,
                        value, mask)

    def output_after(self, k: int) -> np.ndarray:
        """The ``(n_H, n_W, n_C)`` output once steps 0..k have run; NaN after that
        (k = -1: nothing yet). Runs any of those steps not run before; a long jump
        (a picture's Jump to end) runs the course's whole loop once instead."""
        k = min(k, self.total_steps - 1)
        flat_values = self._values.reshape(-1, self.n_C)
        missing = np.flatnonzero(np.isnan(flat_values[:k + 1, 0]))
        if missing.size > WHOLE_LOOP_AFTER:
            flat_values[missing] = self.course_output().reshape(-1, self.n_C)[missing]
        else:
            for done in missing:
                self.step(int(done))
        out = np.full_like(self._values, np.nan)
        out.reshape(-1, self.n_C)[:k + 1] = flat_values[:k + 1]
        return out

    def course_output(self) -> np.ndarray:
        """The whole output by the course's own ``conv_forward`` / ``pool_forward``
        (the same loop and arithmetic as the steps, run in one go); computed once."""
        if self._course is None:
            from engine.numpy_nets.convolution import conv_forward, pool_forward

            example = self.volume[None]
            if self.mode == "convolution":
                Z, _ = conv_forward(example, self.weights[:, :, :, None],
                                    np.full((1, 1, 1, 1), self.bias),
                                    {"stride": self.stride, "pad": self.pad})
                self._course = Z[0]
            else:
                A, _ = pool_forward(example, {"f": self.f, "stride": self.stride},
                                    mode=self.mode)
                self._course = A[0]
        return self._course

    def feature_maps(self, k: int) -> FeatureMaps:
        """The input, the output after steps 0..k and, for a convolution, its ReLU:
        what the large views under the stepping grids show."""
        output = self.output_after(k)
        if self.mode == "convolution":
            # The ReLU a CONV layer applies next; NaN (not computed yet) stays NaN.
            relu = np.maximum(0.0, output)
            full_relu = np.maximum(0.0, self.course_output())
        else:
            relu = full_relu = None     # pooling has no activation after it
        return FeatureMaps(self.volume, output, relu, self.course_output(), full_relu,
                           k >= self.total_steps - 1)

    def full_output(self) -> np.ndarray:
        """The whole ``(n_H, n_W, n_C)`` output at once, by the vectorised functions."""
        from engine.numpy_nets import convolution_fast as fast

        example = self.volume[None]
        if self.mode == "convolution":
            Z, _ = fast.conv_forward_fast(example, self.weights[:, :, :, None],
                                          np.full((1, 1, 1, 1), self.bias),
                                          {"stride": self.stride, "pad": self.pad})
            return Z[0]
        A, _ = fast.pool_forward_fast(example, {"f": self.f, "stride": self.stride},
                                      mode=self.mode)
        return A[0]

    def fast_difference(self) -> float:
        """Largest gap between the step-by-step output and the vectorised one."""
        return float(np.max(np.abs(self.output_after(self.total_steps - 1) -
                                   self.full_output())))

    def backward(self, h: int, w: int, dz=1.0) -> BackwardView:
        """Where ``dZ[h, w]`` flows. ``dz``: a number, or one per channel for pooling."""
        vert_start, vert_end, horiz_start, horiz_end = self.corners(h, w)
        dz = np.broadcast_to(np.asarray(dz, dtype=np.float64).ravel(), (self.n_C,)).copy()
        if self.mode == "convolution":
            d_input = np.zeros_like(self.padded)     # like conv_backward's da_prev_pad
            d_input[vert_start:vert_end, horiz_start:horiz_end, :] += self.weights * dz[0]
            a_slice = self.padded[vert_start:vert_end, horiz_start:horiz_end, :]
            return BackwardView(h, w, dz, (vert_start, vert_end, horiz_start, horiz_end),
                                d_input, a_slice * dz[0], float(dz[0]))
        d_input = np.zeros_like(self.volume)
        for c in range(self.n_C):
            window = self.volume[vert_start:vert_end, horiz_start:horiz_end, c]
            if self.mode == "max":
                share = create_mask_from_window(window) * dz[c]
            else:
                share = distribute_value(dz[c], (self.f, self.f))
            d_input[vert_start:vert_end, horiz_start:horiz_end, c] += share
        return BackwardView(h, w, dz, (vert_start, vert_end, horiz_start, horiz_end),
                            d_input, None, None)

    def backward_sum(self, k: int, dZ=None) -> BackwardView:
        """The gradients of output cells 0..k added up, as the backward loop has them
        after its k-th cell; ``dZ`` ``(n_H, n_W, n_C)`` defaults to all ones. At the
        last step this is ``conv_backward`` / ``pool_backward`` for one example."""
        dZ = np.ones((self.n_H, self.n_W, self.n_C)) if dZ is None else np.asarray(dZ)
        h, w = self.cell(k)
        first = self.backward(0, 0, dZ[0, 0])
        d_input = first.d_input.copy()
        d_weights = None if first.d_weights is None else first.d_weights.copy()
        d_bias = first.d_bias
        for step in range(1, k + 1):
            cell_h, cell_w = divmod(step, self.n_W)
            view = self.backward(cell_h, cell_w, dZ[cell_h, cell_w])
            d_input += view.d_input
            if d_weights is not None:
                d_weights += view.d_weights
                d_bias += view.d_bias
        return BackwardView(h, w, dZ[h, w], self.corners(h, w), d_input, d_weights, d_bias)

    def unpad(self, padded_gradient: np.ndarray) -> np.ndarray:
        """Drop the padding ring from a ``d_input`` of a convolution (works for pad 0)."""
        rows, cols = self.volume.shape[:2]
        return padded_gradient[self.pad:self.pad + rows, self.pad:self.pad + cols]
