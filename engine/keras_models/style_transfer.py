"""Lesson 3.7, Art generation with neural style transfer: the course's functions in
TensorFlow 2 (eager), with the course's names, signatures and defaults.

The course builds a TF1 graph: ``model`` is a dict of tensors whose ``'input'`` is a
variable, ``sess.run(model['input'].assign(image))`` feeds a picture and
``sess.run(model['conv4_2'])`` reads an activation, while ``model['conv4_2']`` left
unevaluated stays "live" and follows whatever picture the input holds. In TF2 there is
no unevaluated tensor, so :class:`CourseModel` plays that dict: ``model['input']`` is
the picture variable, ``model[layer]`` is the layer's activation for the picture the
input holds *now*, and ``model.assign(style_image)`` also keeps the style picture's
activations, the ``a_S`` that ``compute_style_cost`` evaluates "now" in the course.
The cost is computed again inside a ``GradientTape`` at every Adam step.

Pictures are float arrays ``(1, n_H, n_W, 3)`` in the course's normalised form: RGB
minus the ImageNet mean pixel (``MEANS``), as the course's VGG-19 expects.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# The course's nst_utils CONFIG.
IMAGE_WIDTH = 400
IMAGE_HEIGHT = 300
COLOR_CHANNELS = 3
NOISE_RATIO = 0.6
# The ImageNet mean pixel (RGB) the course's VGG-19 was trained with.
MEANS = np.array([123.68, 116.779, 103.939]).reshape((1, 1, 1, 3))
OUTPUT_DIR = "output/"

CONTENT_LAYER = "conv4_2"
STYLE_LAYERS = [
    ('conv1_1', 0.2),
    ('conv2_1', 0.2),
    ('conv3_1', 0.2),
    ('conv4_1', 0.2),
    ('conv5_1', 0.2)]
LEARNING_RATE = 2.0
# model_nn prints the costs and saves a picture every this many iterations.
PRINT_EVERY = 20


def _tf():
    import tensorflow as tf
    return tf


def _dims(a):
    """(m, n_H, n_W, n_C) of an activation: static when known (the course's
    ``a_G.get_shape().as_list()``), otherwise read at run time."""
    tf = _tf()
    shape = a.shape.as_list() if hasattr(a, "shape") and hasattr(a.shape, "as_list") \
        else list(np.shape(a))
    if any(d is None for d in shape):
        dynamic = tf.shape(a)
        shape = [dynamic[i] if d is None else d for i, d in enumerate(shape)]
    return shape


def compute_content_cost(a_C, a_G):
    """J_content = sum((a_C - a_G)^2) / (4 n_H n_W n_C) for activations
    ``(1, n_H, n_W, n_C)`` of the content layer (C: content picture, G: generated)."""
    tf = _tf()
    m, n_H, n_W, n_C = _dims(a_G)
    a_C = tf.convert_to_tensor(a_C, dtype=tf.float32)
    a_G = tf.convert_to_tensor(a_G, dtype=tf.float32)
    # unrolled to (n_H*n_W, n_C) as the course does; the sum does not depend on it
    a_C_unrolled = tf.reshape(a_C, [-1, n_C])
    a_G_unrolled = tf.reshape(a_G, [-1, n_C])
    denominator = tf.cast(4 * n_H * n_W * n_C, tf.float32)
    return tf.reduce_sum(tf.square(a_C_unrolled - a_G_unrolled)) / denominator


def gram_matrix(A):
    """GA = A A^T for ``A`` of shape (n_C, n_H*n_W): how strongly filters fire together."""
    tf = _tf()
    A = tf.convert_to_tensor(A, dtype=tf.float32)
    return tf.matmul(A, tf.transpose(A))


def _unrolled_gram(a):
    """The Gram matrix of one activation (1, n_H, n_W, n_C), as the course computes it:
    reshape to (n_H*n_W, n_C), transpose to (n_C, n_H*n_W), then A A^T."""
    tf = _tf()
    n_C = _dims(a)[3]
    a = tf.convert_to_tensor(a, dtype=tf.float32)
    return gram_matrix(tf.transpose(tf.reshape(a, [-1, n_C])))


def activation_gram(a):
    """The same Gram matrix as ``_unrolled_gram``, as one matmul of the (n_H*n_W, n_C)
    activation with itself (``transpose_a``): the painter's fast path, which never
    copies a transposed activation (a measurable cost at full resolution)."""
    tf = _tf()
    n_C = _dims(a)[3]
    A = tf.reshape(tf.convert_to_tensor(a, dtype=tf.float32), [-1, n_C])
    return tf.matmul(A, A, transpose_a=True)


def _style_normalisation(a_G):
    tf = _tf()
    m, n_H, n_W, n_C = _dims(a_G)
    n_C = tf.cast(n_C, tf.float32)
    positions = tf.cast(n_H * n_W, tf.float32)
    return 4.0 * n_C ** 2 * positions ** 2


def layer_style_cost_from_gram(GS, a_G):
    """``compute_layer_style_cost`` with the style picture's Gram matrix already
    computed (the painter keeps it: it never changes during a run)."""
    tf = _tf()
    GG = activation_gram(a_G)
    return tf.reduce_sum(tf.square(GS - GG)) / _style_normalisation(a_G)


def compute_layer_style_cost(a_S, a_G):
    """J_style_layer = sum((G(S) - G(G))^2) / (4 n_C^2 (n_H n_W)^2) for activations
    ``(1, n_H, n_W, n_C)`` of one style layer (S: style picture, G: generated)."""
    tf = _tf()
    GS = _unrolled_gram(a_S)
    GG = _unrolled_gram(a_G)
    return tf.reduce_sum(tf.square(GS - GG)) / _style_normalisation(a_G)


def compute_style_cost(model, STYLE_LAYERS):
    """J_style = sum over ``STYLE_LAYERS`` of coeff * compute_layer_style_cost(a_S, a_G).

    ``a_S``: the layer's activation for the style picture, evaluated when the style
    picture was put in the input (``model.assign(style_image)``, the course's
    ``sess.run(out)`` with the style picture in the input); ``a_G``: the activation for
    the picture the input holds now (the course's live ``model[layer_name]``).
    """
    J_style = 0
    for layer_name, coeff in STYLE_LAYERS:
        a_S = model.style_activation(layer_name)
        a_G = model[layer_name]
        J_style += coeff * compute_layer_style_cost(a_S, a_G)
    return J_style


def total_cost(J_content, J_style, alpha=10, beta=40):
    """J = alpha J_content + beta J_style."""
    return alpha * J_content + beta * J_style


def generate_noise_image(content_image, noise_ratio=NOISE_RATIO, seed=None):
    """Mostly uniform noise in [-20, 20), slightly correlated with the content picture:
    ``noise * noise_ratio + content * (1 - noise_ratio)``, float32, the content's shape.
    ``seed``: None draws from NumPy's global generator, as the course does."""
    content_image = np.asarray(content_image, dtype=np.float32)
    shape = content_image.shape if content_image.ndim == 4 else (1,) + content_image.shape
    rng = np.random if seed is None else np.random.RandomState(seed)
    noise_image = rng.uniform(-20, 20, shape).astype('float32')
    input_image = noise_image * noise_ratio + content_image.reshape(shape) * (1 - noise_ratio)
    return input_image.astype(np.float32)


def reshape_and_normalize_image(image):
    """(n_H, n_W, 3) RGB 0-255 -> (1, n_H, n_W, 3) minus the mean pixel, the form the
    network takes."""
    image = np.reshape(np.asarray(image, dtype=np.float64), ((1,) + np.shape(image)))
    return image - MEANS


def image_to_uint8(image) -> np.ndarray:
    """A normalised picture (1, n_H, n_W, 3) back to RGB uint8 (n_H, n_W, 3): the mean
    pixel added back, clipped to 0-255 as ``save_image`` does."""
    image = np.asarray(image, dtype=np.float64).reshape((-1,) + np.shape(image)[-3:])
    return np.clip(image[0] + MEANS[0], 0, 255).astype('uint8')


def save_image(path, image):
    """Write a normalised picture (1, n_H, n_W, 3) to ``path`` (PNG, JPEG ... by the
    file's extension), after adding the mean pixel back and clipping to 0-255."""
    from PIL import Image
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    Image.fromarray(image_to_uint8(image)).save(os.fspath(path))


class CourseModel:
    """The course's ``model`` dict in TF2 (see the module docstring).

    ``network(image, names)`` returns ``{name: activation}`` for a normalised picture;
    both the course's VGG-19 (``engine.keras_models.vgg19``) and the embedded random
    feature network (``engine.keras_models.random_features``) are such networks.
    """

    def __init__(self, network, height=IMAGE_HEIGHT, width=IMAGE_WIDTH):
        tf = _tf()
        self.network = network
        self.input = tf.Variable(np.zeros((1, height, width, COLOR_CHANNELS), np.float32),
                                 dtype=tf.float32, name="input")
        self._style: dict = {}
        self._current: dict | None = None

    def __getitem__(self, name):
        if name == "input":
            return self.input
        if self._current is None or name not in self._current:
            self.evaluate([name] if self._current is None else
                          sorted(set(self._current) | {name}))
        return self._current[name]

    def evaluate(self, names):
        """Run the picture in the input through the network for these layers (inside a
        GradientTape, the activations are differentiable in the picture)."""
        self._current = dict(self.network(self.input, list(names)))
        return self._current

    def assign(self, image, style_layers=None):
        """``sess.run(model['input'].assign(image))``; with ``style_layers``, also keep
        this picture's activations of those layers as the style picture's ``a_S``."""
        self.input.assign(np.asarray(image, np.float32).reshape(self.input.shape))
        self._current = None
        if style_layers:
            names = [name for name, _ in style_layers]
            out = self.network(self.input, names)
            self._style = {name: np.asarray(out[name]) for name in names}

    def style_activation(self, name):
        if name not in self._style:
            raise KeyError(f"No style activation for '{name}': assign the style picture "
                           "with style_layers first.")
        return self._style[name]


class _CourseSession:
    """What the course's notebook cells set up before ``model_nn``: the model, the
    content activation ``a_C``, the style activations, and the Adam optimiser."""

    def __init__(self, model, a_C, content_layer, style_layers, alpha, beta,
                 learning_rate, output_dir):
        from engine.keras_models.style_painting import make_adam
        self.model = model
        self.a_C = a_C
        self.content_layer = content_layer
        self.style_layers = list(style_layers)
        self.alpha, self.beta = alpha, beta
        self.optimizer = make_adam(learning_rate)
        self.output_dir = output_dir

    def costs(self):
        """(J, J_content, J_style) for the picture in the input now."""
        model = self.model
        model.evaluate([self.content_layer] + [n for n, _ in self.style_layers])
        J_content = compute_content_cost(self.a_C, model[self.content_layer])
        J_style = compute_style_cost(model, self.style_layers)
        return total_cost(J_content, J_style, alpha=self.alpha, beta=self.beta), \
            J_content, J_style

    def train_step(self):
        """``sess.run(train_step)``: one Adam step on the picture for J."""
        tf = _tf()
        with tf.GradientTape() as tape:
            J, _, _ = self.costs()
        grad = tape.gradient(J, self.model.input)
        self.optimizer.apply_gradients([(grad, self.model.input)])


_session: _CourseSession | None = None


def set_up_course(content_image, style_image, network=None,
                  content_layer=CONTENT_LAYER, style_layers=None, alpha=10, beta=40,
                  learning_rate=LEARNING_RATE, output_dir=OUTPUT_DIR):
    """The notebook's cells before ``model_nn``, in one call: build the model on the
    pictures' size, ``a_C`` from the content picture (``conv4_2``), the style
    activations from the style picture, J with alpha = 10 and beta = 40, and
    ``AdamOptimizer(2.0)``. Pictures are normalised (``reshape_and_normalize_image``).
    ``network``: defaults to the one ``engine.keras_models.style_networks`` picks.
    Returns the ``CourseModel``."""
    global _session
    if network is None:
        from engine.keras_models.style_networks import default_network
        network = default_network().network
    content_image = np.asarray(content_image, np.float32)
    style_image = np.asarray(style_image, np.float32)
    _, height, width, _ = content_image.shape
    if style_image.shape != content_image.shape:
        raise ValueError(f"The style picture {style_image.shape[1:3]} must have the "
                         f"content picture's size {content_image.shape[1:3]}.")
    style_layers = STYLE_LAYERS if style_layers is None else style_layers
    model = CourseModel(network, height, width)
    model.assign(content_image)
    a_C = np.asarray(model[content_layer])       # sess.run(out), content in the input
    model.assign(style_image, style_layers)       # the style picture's a_S are kept
    _session = _CourseSession(model, a_C, content_layer, style_layers, alpha, beta,
                              learning_rate, output_dir)
    return model


def model_nn(input_image, num_iterations=200):
    """The course's training loop: put ``input_image`` in the model's input, run
    ``num_iterations`` Adam steps on J, every 20 iterations print the total, content
    and style costs and save ``output/<i>.png``; at the end save
    ``output/generated_image.jpg``. Returns the generated picture (normalised).
    Call ``set_up_course`` first (the notebook's cells before it)."""
    if _session is None:
        raise RuntimeError("Call set_up_course(content_image, style_image) first: it "
                           "builds the model, J and the optimiser model_nn runs.")
    session = _session
    model = session.model
    model.assign(input_image)
    generated_image = np.asarray(model.input)
    out = Path(session.output_dir)
    for i in range(num_iterations):
        session.train_step()
        generated_image = np.asarray(model.input)
        if i % PRINT_EVERY == 0:
            Jt, Jc, Js = (float(v) for v in session.costs())
            print("Iteration " + str(i) + " :")
            print("total cost = " + str(Jt))
            print("content cost = " + str(Jc))
            print("style cost = " + str(Js))
            save_image(str(out / (str(i) + ".png")), generated_image)
    save_image(str(out / 'generated_image.jpg'), generated_image)
    return generated_image
