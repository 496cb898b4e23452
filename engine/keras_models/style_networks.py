"""Which network paints: VGG-19 with the learner's weights when they are present,
otherwise the embedded random multi-scale network, and a sentence saying which.

The VGG-19 weights are looked for where the weights registry looks
(``<user data folder>/weights/``, see ``engine/weights.py``) and then where Keras
keeps the file it downloads (``~/.keras/models/``). A file that is there but wrong
does not stop the painting: the embedded network paints and the sentence says what
is wrong with the file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NETWORK_AUTO = "automatic"
NETWORK_EMBEDDED = "embedded (random filters)"
NETWORK_VGG19 = "VGG-19 (your weights)"
NETWORK_CHOICES = (NETWORK_AUTO, NETWORK_EMBEDDED, NETWORK_VGG19)

_embedded = None
_vgg: dict = {}


@dataclass
class ChosenNetwork:
    network: object          # network(image, names) -> {name: activation}
    kind: str                # "embedded" or "vgg19"
    sentence: str            # what the page shows
    path: Path | None = None


def embedded_network():
    """The embedded network (built once per process: its filters are constants)."""
    global _embedded
    if _embedded is None:
        from engine.keras_models.random_features import RandomFeatureNetwork
        _embedded = RandomFeatureNetwork()
    return _embedded


def find_vgg19_weights() -> Path | None:
    from engine.keras_models.vgg19_weights import keras_cache_candidates
    from engine.weights import get_entry
    found = get_entry("vgg19").find()
    if found is not None:
        return found
    for candidate in keras_cache_candidates():
        if candidate.is_file():
            return candidate
    return None


def _embedded_choice(reason: str) -> ChosenNetwork:
    from engine.keras_models.random_features import NETWORK_NAME
    return ChosenNetwork(embedded_network(), "embedded",
                         f"Painting with the {NETWORK_NAME} (fixed random filters, no "
                         f"download needed){reason}.")


def load_vgg19(path: Path) -> ChosenNetwork:
    """VGG-19 with the weights at ``path`` (loaded once per file per process);
    WeightsError with one sentence for a wrong file."""
    from engine.keras_models.vgg19_weights import load_vgg19_network
    key = str(Path(path).resolve())
    if key not in _vgg:
        _vgg[key] = load_vgg19_network(path)
    return ChosenNetwork(_vgg[key], "vgg19",
                         f"Painting with VGG-19, weights from {Path(path).name}.", Path(path))


def default_network(choice: str = NETWORK_AUTO) -> ChosenNetwork:
    """The network for a settings choice. ``automatic``: VGG-19 when its weights are
    found and fit, else the embedded one (saying why). ``VGG-19``: its weights or a
    WeightsError saying where to put them."""
    from engine.weights import WeightsError, get_entry
    if choice == NETWORK_EMBEDDED:
        return _embedded_choice("")
    path = find_vgg19_weights()
    if path is None:
        if choice == NETWORK_VGG19:
            raise WeightsError(get_entry("vgg19").missing_message())
        return _embedded_choice(": no VGG-19 weights were found")
    try:
        return load_vgg19(path)
    except WeightsError as exc:
        if choice == NETWORK_VGG19:
            raise
        return _embedded_choice(f", because the VGG-19 file could not be used: {exc}")
