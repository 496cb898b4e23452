"""The style-transfer painter: one Adam step on the generated picture per call.

The GUI's canvas and the lesson run both drive a :class:`StylePainter`: it holds the
content picture, one style picture or a blend of several (with weights), the feature
network, alpha / beta, the learning rate and the total-variation weight (all of which
may change between two steps), and after every step can hand back the picture as
uint8 ``(H, W, 3)`` and the three costs of the course.

The costs are the course's (``engine.keras_models.style_transfer``): the content cost
at one layer, the style cost summed over style layers with their coefficients, and
``total_cost``. The step is one ``tf.function`` (traced once per painter), so a step
costs the network's forward and backward pass and nothing else; values that change
while painting are ``tf.Variable``s the traced step reads, never retrace triggers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.keras_models.style_transfer import (
    CONTENT_LAYER, LEARNING_RATE, NOISE_RATIO, STYLE_LAYERS, compute_content_cost,
    generate_noise_image, layer_style_cost_from_gram, reshape_and_normalize_image,
    image_to_uint8, total_cost, activation_gram)

START_NOISE = "noise"
START_CONTENT = "content"
START_STYLE = "style"
STARTS = (START_NOISE, START_CONTENT, START_STYLE)


class Adam:
    """TF1's ``tf.train.AdamOptimizer`` (the course's), for one variable:
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``, ``x -= lr_t m / (sqrt(v) + eps)``.
    Written out so the traced step holds the update too (no Keras optimizer state to
    track) and the learning rate is a variable the learner can change mid-run."""

    def __init__(self, learning_rate=LEARNING_RATE, beta1=0.9, beta2=0.999, epsilon=1e-8):
        import tensorflow as tf
        self.learning_rate = tf.Variable(float(learning_rate), dtype=tf.float32,
                                         trainable=False)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self._slots: dict = {}
        self.t = tf.Variable(0.0, dtype=tf.float32, trainable=False)

    def _slot(self, var):
        import tensorflow as tf
        key = id(var)
        if key not in self._slots:
            self._slots[key] = (tf.Variable(tf.zeros_like(var), trainable=False),
                                tf.Variable(tf.zeros_like(var), trainable=False))
        return self._slots[key]

    def build(self, var) -> None:
        """Make the slots outside any traced function (a tf.function may not create
        variables after its first trace)."""
        self._slot(var)

    def apply_gradients(self, grads_and_vars) -> None:
        import tensorflow as tf
        self.t.assign_add(1.0)
        lr_t = self.learning_rate * tf.sqrt(1.0 - self.beta2 ** self.t) / \
            (1.0 - self.beta1 ** self.t)
        for grad, var in grads_and_vars:
            m, v = self._slot(var)
            m.assign(self.beta1 * m + (1.0 - self.beta1) * grad)
            v.assign(self.beta2 * v + (1.0 - self.beta2) * tf.square(grad))
            var.assign_sub(lr_t * m / (tf.sqrt(v) + self.epsilon))

    def reset(self) -> None:
        import tensorflow as tf
        self.t.assign(0.0)
        for m, v in self._slots.values():
            m.assign(tf.zeros_like(m))
            v.assign(tf.zeros_like(v))


def make_adam(learning_rate=LEARNING_RATE) -> Adam:
    return Adam(learning_rate)


def fit_picture(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 (h, w, 3) resized to (height, width) (bilinear, as Pillow does it)."""
    from PIL import Image
    image = np.asarray(image)
    if image.shape[:2] == (height, width):
        return image.astype(np.uint8)
    return np.asarray(Image.fromarray(image.astype(np.uint8)).resize(
        (width, height), Image.BILINEAR), np.uint8)


def size_keeping_aspect(shape, longer_side: int) -> tuple[int, int]:
    """(height, width) of a picture of ``shape`` scaled so its longer side is
    ``longer_side`` pixels (never below 16 on either side)."""
    h, w = int(shape[0]), int(shape[1])
    scale = longer_side / max(h, w)
    return max(16, round(h * scale)), max(16, round(w * scale))


def total_variation(image):
    """Sum of squared differences of neighbouring pixels, per pixel (a smoothness
    prior jcjohnson/neural-style adds; 0 weight leaves the course's cost)."""
    import tensorflow as tf
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    pixels = tf.cast(tf.size(image), tf.float32)
    return (tf.reduce_sum(tf.square(dy)) + tf.reduce_sum(tf.square(dx))) / pixels


def keep_content_colours(generated: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The generated picture's luminance with the content picture's chroma (YIQ), the
    colour preservation of Gatys et al. 2016 ("luminance-only transfer" done on the
    output): the style's brush work, the content's colours."""
    to_yiq = np.array([[0.299, 0.587, 0.114],
                       [0.596, -0.274, -0.322],
                       [0.211, -0.523, 0.312]])
    g = generated.astype(np.float64) @ to_yiq.T
    c = content.astype(np.float64) @ to_yiq.T
    mixed = np.concatenate([g[..., :1], c[..., 1:]], axis=-1)
    rgb = mixed @ np.linalg.inv(to_yiq).T
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


@dataclass
class Costs:
    iteration: int
    total: float
    content: float
    style: float
    variation: float = 0.0


class StylePainter:
    """Paints a picture with ``content``'s layout and the ``styles``' texture.

    ``network``: a feature network (``network(image, names) -> {name: activation}``,
    with ``layer_names`` and ``resolve(name)``); ``content``: uint8 (H, W, 3), the size
    of the painting; ``styles``: uint8 pictures (resized to the content's size, as the
    course's pictures share one size) and ``style_weights`` how much each counts
    (normalised to sum 1). A blend's style cost compares the generated picture's Gram
    matrices with the weighted mean of the styles' Gram matrices, which equals the
    weighted sum of the single-style costs up to a constant.
    """

    def __init__(self, network, content, styles, style_weights=None, *, alpha=10.0,
                 beta=40.0, learning_rate=LEARNING_RATE, content_layer=CONTENT_LAYER,
                 style_layers=None, start=START_NOISE, noise_ratio=NOISE_RATIO, seed=1,
                 tv_weight=0.0, preserve_colors=False):
        import tensorflow as tf

        if isinstance(styles, np.ndarray) and styles.ndim == 3:
            styles = [styles]
        styles = list(styles)
        if not styles:
            raise ValueError("At least one style picture is needed.")
        weights = np.ones(len(styles)) if style_weights is None else \
            np.asarray(style_weights, np.float64)
        if len(weights) != len(styles) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError("Style weights must be one non-negative number per style "
                             "picture, not all zero.")
        self.network = network
        self.content = np.asarray(content, np.uint8)
        self.height, self.width = self.content.shape[:2]
        self.styles = [fit_picture(s, self.height, self.width) for s in styles]
        self.style_weights = weights / weights.sum()
        self.preserve_colors = bool(preserve_colors)
        self.start, self.noise_ratio, self.seed = start, float(noise_ratio), seed
        self.content_layer = network.resolve(content_layer)
        style_layers = STYLE_LAYERS if style_layers is None else style_layers
        self.style_layers = [(network.resolve(name), float(c)) for name, c in style_layers]

        self.alpha = tf.Variable(float(alpha), dtype=tf.float32, trainable=False)
        self.beta = tf.Variable(float(beta), dtype=tf.float32, trainable=False)
        self.tv_weight = tf.Variable(float(tv_weight), dtype=tf.float32, trainable=False)
        self.layer_weights = tf.Variable([c for _, c in self.style_layers], dtype=tf.float32,
                                         trainable=False)
        self.optimizer = make_adam(learning_rate)
        self.image = tf.Variable(self.initial_image(), dtype=tf.float32, name="generated")
        self.optimizer.build(self.image)
        self._targets()
        self.iteration = 0
        self.last: Costs | None = None
        self._step = tf.function(self._step_eager)
        self._costs_now = tf.function(lambda: self._costs(self.image))

    # --- set-up ---
    def initial_image(self) -> np.ndarray:
        """The starting picture (normalised): the course's noise image, or the content
        or the (first) style picture itself."""
        content = reshape_and_normalize_image(self.content).astype(np.float32)
        if self.start == START_CONTENT:
            return content
        if self.start == START_STYLE:
            return reshape_and_normalize_image(self.styles[0]).astype(np.float32)
        return generate_noise_image(content, self.noise_ratio, seed=self.seed)

    def _targets(self) -> None:
        """a_C of the content picture and the (blended) style Gram matrices: computed
        once, constants of the traced step."""
        import tensorflow as tf
        content = tf.constant(reshape_and_normalize_image(self.content), tf.float32)
        self.a_C = tf.constant(self.network(content, [self.content_layer])
                               [self.content_layer])
        names = [name for name, _ in self.style_layers]
        grams = {name: 0.0 for name in names}
        for picture, w in zip(self.styles, self.style_weights):
            out = self.network(tf.constant(reshape_and_normalize_image(picture),
                                           tf.float32), names)
            for name in names:
                grams[name] = grams[name] + float(w) * activation_gram(out[name])
        self.style_grams = {name: tf.constant(g) for name, g in grams.items()}

    # --- the step ---
    def _costs(self, image):
        import tensorflow as tf
        names = [self.content_layer] + [n for n, _ in self.style_layers
                                        if n != self.content_layer]
        out = self.network(image, names)
        J_content = compute_content_cost(self.a_C, out[self.content_layer])
        J_style = tf.constant(0.0)
        for k, (name, _) in enumerate(self.style_layers):
            J_style += self.layer_weights[k] * layer_style_cost_from_gram(
                self.style_grams[name], out[name])
        # the smoothness term only when it is weighed (the course's cost has none)
        J_tv = tf.cond(self.tv_weight > 0, lambda: total_variation(image),
                       lambda: tf.constant(0.0))
        J = total_cost(J_content, J_style, alpha=self.alpha, beta=self.beta) + \
            self.tv_weight * J_tv
        return J, J_content, J_style, J_tv

    def _step_eager(self):
        import tensorflow as tf
        with tf.GradientTape() as tape:
            J, J_content, J_style, J_tv = self._costs(self.image)
        grad = tape.gradient(J, self.image)
        self.optimizer.apply_gradients([(grad, self.image)])
        return J, J_content, J_style, J_tv

    def step(self) -> Costs:
        """One Adam step. The costs returned are those of the picture the step started
        from (computed in the same pass as its gradient)."""
        J, Jc, Js, Jtv = self._step()
        self.last = Costs(self.iteration, float(J), float(Jc), float(Js), float(Jtv))
        self.iteration += 1
        return self.last

    def costs(self) -> Costs:
        """The costs of the picture as it is now (one forward pass, no step)."""
        J, Jc, Js, Jtv = self._costs_now()
        return Costs(self.iteration, float(J), float(Jc), float(Js), float(Jtv))

    # --- live changes ---
    def set_weights(self, alpha=None, beta=None, tv_weight=None, learning_rate=None,
                    layer_weights=None) -> None:
        """Change alpha, beta, the total-variation weight, the learning rate or the style
        layers' coefficients between two steps (the next step uses them)."""
        if alpha is not None:
            self.alpha.assign(float(alpha))
        if beta is not None:
            self.beta.assign(float(beta))
        if tv_weight is not None:
            self.tv_weight.assign(float(tv_weight))
        if learning_rate is not None:
            self.optimizer.learning_rate.assign(float(learning_rate))
        if layer_weights is not None:
            if len(layer_weights) != len(self.style_layers):
                raise ValueError(f"Give {len(self.style_layers)} style-layer weights.")
            self.layer_weights.assign([float(c) for c in layer_weights])

    def reset(self) -> None:
        """Back to the starting picture and a fresh Adam."""
        self.image.assign(self.initial_image())
        self.optimizer.reset()
        self.iteration = 0
        self.last = None

    # --- what the page shows ---
    def raw_picture(self) -> np.ndarray:
        """The generated picture as uint8 (H, W, 3), mean added back and clipped."""
        return image_to_uint8(self.image.numpy())

    def picture(self) -> np.ndarray:
        """The picture to show and save: with colour preservation, the generated
        luminance on the content's colours."""
        raw = self.raw_picture()
        return keep_content_colours(raw, self.content) if self.preserve_colors else raw

    def normalized_image(self) -> np.ndarray:
        return self.image.numpy()

    def gram_matrices(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """(the style target's, the generated picture's) Gram matrices of a style
        layer, for the Gram-matrix view."""
        import tensorflow as tf
        layer = self.network.resolve(layer)
        out = self.network(tf.convert_to_tensor(self.image), [layer])[layer]
        target = self.style_grams.get(layer)
        if target is None:
            raise KeyError(f"'{layer}' is not one of the style layers.")
        return np.asarray(target), np.asarray(activation_gram(out))
