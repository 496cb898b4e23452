"""Lesson 2.1.3: gradient checking, in 1-D and on the fraud-detection network.

A run does what the notebook does: the 1-D check of J = theta * x, then the N-D check
of the course's test case (``gradient_check_n_test_case``: seed 1, X (4, 3),
Y [1, 1, 0], six parameter blocks) against ``backward_propagation_n`` with the
planted bugs the settings switch on. Both bugs on is the notebook's hand-out
(difference 0.2850931568); both off is the learner's fix (1.19e-7 at epsilon 1e-7).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.dataset import Dataset
from engine.global_random import GLOBAL_RANDOM_LOCK
from engine.lessons import COURSE_2, Lesson
from engine.numpy_nets.gradient_check import (VERDICT_THRESHOLD, gradient_check_1d_details,
                                              gradient_check_n_test_case,
                                              gradient_check_report)
from engine.settings import setting


@dataclass
class GradientCheckSettings:
    x: float = setting(2.0, "1-D check: x", minimum=-100.0, maximum=100.0,
                       help="Input of J(theta) = theta * x; the course uses 2.")
    theta: float = setting(4.0, "1-D check: theta", minimum=-100.0, maximum=100.0,
                           help="The parameter; the course uses 4.")
    epsilon: float = setting(1e-7, "Epsilon (shift)", minimum=1e-10, maximum=1e-2,
                             scale="log",
                             help="The two-sided difference shifts each parameter by "
                                  "+/- epsilon; the course uses 1e-7.")
    plant_dW2_bug: bool = setting(True, "Bug: dW2 x 2",
                                  help="Plant the course's bug: backward_propagation_n "
                                       "doubles dW2.")
    plant_db1_bug: bool = setting(True, "Bug: db1 4./m",
                                  help="Plant the course's bug: backward_propagation_n "
                                       "computes db1 with 4./m instead of 1./m.")


def course_test_case():
    """The notebook's X, Y, parameters; NumPy's global RNG is left as it was."""
    with GLOBAL_RANDOM_LOCK:
        state = np.random.get_state()
        try:
            return gradient_check_n_test_case()
        finally:
            np.random.set_state(state)


def load_data(settings=None) -> Dataset:
    """The test case as the lesson's data: 3 examples of 4 features, and the
    network's parameters (in ``extra``) at which the gradients are checked."""
    X, Y, parameters = course_test_case()
    return Dataset(name="gradient_check_n_test_case", kind="vectors", X_train=X,
                   Y_train=Y.reshape(1, -1), X_test=None, Y_test=None,
                   classes=["legitimate", "fraud"],
                   provenance="the course's gradient_check_n_test_case (NumPy seed 1): "
                              "X 4\u00d73, Y = [1, 1, 0], W1..b3 drawn after X",
                   extra={"parameters": parameters})


def run(hp: GradientCheckSettings, on_event, control, dataset=None) -> dict:
    one_d = gradient_check_1d_details(hp.x, hp.theta, hp.epsilon)
    dataset = dataset or load_data(hp)
    X, Y = dataset.X_train, dataset.Y_train
    parameters = dataset.extra["parameters"]
    # The check itself is 94 forward passes (milliseconds); a checkpoint before it lets
    # Stop and Pause act, and the progress bar shows it ran.
    on_event.total = 1
    control.checkpoint()
    report = gradient_check_report(parameters, X, Y, dW2_doubled=hp.plant_dW2_bug,
                                   db1_quadrupled=hp.plant_db1_bug, epsilon=hp.epsilon,
                                   threshold=VERDICT_THRESHOLD)
    on_event.progress(0, report["cost"], record=False)
    return {
        "metrics": {"difference_1d": one_d["difference"],
                    "difference": report["difference"],
                    "flagged": report["flagged"],
                    "flagged_blocks": [b["name"] for b in report["blocks"] if b["flagged"]]},
        "result": {"one_d": one_d, "check": report},
    }


LESSON = Lesson(
    id="gradient-checking",
    title="Gradient checking",
    course=COURSE_2, section="2.1.3",
    settings=GradientCheckSettings, run=run, load_data=load_data,
    summary="Compare backprop's gradients with a numerical estimate, and find the bugs.",
)
