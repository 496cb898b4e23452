"""Gradient descent, momentum and Adam walking down a 2-D loss surface.

The two coordinates are stored as a one-layer parameter dict ``{"W1": [[w]], "b1": [[b]]}``
so the paths come from the course's own ``update_parameters_with_gd``,
``update_parameters_with_momentum`` and ``update_parameters_with_adam``: the same
math that trains the moons network, on a surface small enough to draw.

The surfaces are ravines (quadratic bowls much steeper across than along), the shape
that makes plain gradient descent zig-zag. They are scaled so the course's learning
rate 0.0007 takes visible steps in a few hundred updates: curvatures of 5 along and 2,500 across and
a start about 0.15 from the minimum. Optional gradient noise mimics mini-batches, whose
gradients are noisy estimates of the full one.
"""
from __future__ import annotations

import math

import numpy as np

from engine.numpy_nets.optimization import (initialize_adam, initialize_velocity,
                                            update_parameters_with_adam,
                                            update_parameters_with_gd,
                                            update_parameters_with_momentum)

OPTIMIZERS = ("gd", "momentum", "adam")
# Beyond this distance from the minimum a path has left the drawing for good.
ESCAPE_RADIUS = 10.0


def _rotation(degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def _hessian(shallow: float, steep: float, degrees: float) -> np.ndarray:
    R = _rotation(degrees)
    return R @ np.diag([shallow, steep]) @ R.T


# name -> (label, Hessian, start point, drawing extent (w_min, w_max, b_min, b_max))
SURFACES = {
    "ravine": ("Ravine (steep across, shallow along)", _hessian(5.0, 2500.0, 0.0),
               (-0.15, 0.04), (-0.18, 0.06, -0.06, 0.06)),
    "tilted_ravine": ("Tilted ravine (axes at 30\u00b0)", _hessian(5.0, 2500.0, 30.0),
                      (-0.15, 0.02), (-0.18, 0.06, -0.08, 0.06)),
}


def surface_cost(H: np.ndarray, w, b):
    """J = 1/2 [w b] H [w b]^T, for scalars or arrays of w and b."""
    return 0.5 * (H[0, 0] * w * w + 2 * H[0, 1] * w * b + H[1, 1] * b * b)


def surface_grid(name: str, resolution: int = 120) -> dict:
    """Cost over the surface's drawing extent, for the contour plot."""
    _, H, _, (w0, w1, b0, b1) = SURFACES[name]
    ws = np.linspace(w0, w1, resolution)
    bs = np.linspace(b0, b1, resolution)
    ww, bb = np.meshgrid(ws, bs)
    return {"x": ws, "y": bs, "cost": surface_cost(H, ww, bb)}


def optimizer_path(name: str, optimizer: str, steps: int, learning_rate: float,
                   beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                   epsilon: float = 1e-8, noise: float = 0.0, seed: int = 0) -> dict:
    """One optimizer's path: ``points`` (k, 2) of (w, b) from the start, ``costs`` (k,),
    and ``diverged`` (the step where it left for good, or None).

    ``noise`` adds Gaussian noise of that many gradient-lengths-at-the-start to every
    gradient (a private RandomState(seed): all three optimizers see the same noise).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer '{optimizer}'; use one of {OPTIMIZERS}.")
    _, H, start, _ = SURFACES[name]
    parameters = {"W1": np.array([[start[0]]]), "b1": np.array([[start[1]]])}
    v = initialize_velocity(parameters)
    if optimizer == "adam":
        v, s = initialize_adam(parameters)
    rng = np.random.RandomState(seed)
    noise_scale = noise * float(np.linalg.norm(H @ np.array(start)))
    points = [start]
    diverged = None
    for t in range(1, steps + 1):
        p = np.array([parameters["W1"][0, 0], parameters["b1"][0, 0]])
        g = H @ p + noise_scale * rng.randn(2)
        grads = {"dW1": np.array([[g[0]]]), "db1": np.array([[g[1]]])}
        if optimizer == "gd":
            parameters = update_parameters_with_gd(parameters, grads, learning_rate)
        elif optimizer == "momentum":
            parameters, v = update_parameters_with_momentum(parameters, grads, v, beta,
                                                            learning_rate)
        else:
            parameters, v, s = update_parameters_with_adam(parameters, grads, v, s, t,
                                                           learning_rate, beta1, beta2,
                                                           epsilon)
        w, b = float(parameters["W1"][0, 0]), float(parameters["b1"][0, 0])
        if not (math.isfinite(w) and math.isfinite(b)) or math.hypot(w, b) > ESCAPE_RADIUS:
            diverged = t
            break
        points.append((w, b))
    points = np.array(points, dtype=float)
    return {"points": points, "costs": surface_cost(H, points[:, 0], points[:, 1]),
            "diverged": diverged}


def optimizer_paths(name: str = "ravine", steps: int = 300, learning_rate: float = 0.0007,
                    beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                    epsilon: float = 1e-8, noise: float = 0.0, seed: int = 0) -> dict:
    """The surface (grid, start, minimum) and the three optimizers' paths on it."""
    if name not in SURFACES:
        raise ValueError(f"Unknown surface '{name}'; use one of {', '.join(SURFACES)}.")
    label, _, start, extent = SURFACES[name]
    return {"surface": name, "label": label, "grid": surface_grid(name),
            "start": start, "minimum": (0.0, 0.0), "extent": extent,
            "learning_rate": learning_rate, "steps": steps,
            "paths": {opt: optimizer_path(name, opt, steps, learning_rate, beta, beta1,
                                          beta2, epsilon, noise, seed)
                      for opt in OPTIMIZERS}}
