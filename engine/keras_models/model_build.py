"""One Keras model built at a time, process-wide.

Keras builds a functional model by tracing layer calls on symbolic tensors through
state it shares between threads (layer-name counters, the symbolic scope, seeded
initialisers). Two threads building at once (a page's layer table while its job
builds the network to train, the feature-map viewer's sub-models) could corrupt
each other's graph: ResNet50's layer table failed with "Only input tensors may be
passed as positional arguments" from ``identity_block``. Building takes a fraction
of a second for most models and a few seconds for ResNet50; training and
prediction are not serialised.

Lock order: callers holding ``GLOBAL_RANDOM_LOCK`` (seeded builds) or a cache's lock
may take this one; nothing built under it takes those, so no two locks are ever
taken in opposite orders.
"""
from __future__ import annotations

import functools
import threading

MODEL_BUILD_LOCK = threading.RLock()   # re-entrant: a builder may call another


def serialised_build(builder):
    """Decorate a function that builds a Keras model: it runs under MODEL_BUILD_LOCK.
    The course's functions keep their names, signatures and docstrings."""
    @functools.wraps(builder)
    def build(*args, **kwargs):
        with MODEL_BUILD_LOCK:
            return builder(*args, **kwargs)
    build.serialised_build = True
    return build
