"""Lesson 1.2: logistic regression on cat / non-cat, trained live.

The loop is ``optimize``'s loop from the course (``propagate`` then a gradient
step, the cost recorded every 100 iterations), unrolled here so each iteration can
report progress and honour pause/stop; the numbers are the course's.
"""
from __future__ import annotations

from dataclasses import dataclass


from engine.data.images import load_image_for_model
from engine.jobs import CURVES_ONLY_SNAPSHOT_INTERVAL_S, StopRequested
from engine.lesson_runs.common import accuracy, course_costs, image_results
from engine.lesson_runs.data_choice import data_loader, run_with_data_choice, \
    with_data_choice
from engine.lessons import COURSE_1, Lesson
from engine.numpy_nets.logistic import initialize_with_zeros, propagate, sigmoid
from engine.settings import setting


@dataclass
class LogisticSettings:
    learning_rate: float = setting(0.005, "Learning rate", minimum=1e-5, maximum=10.0,
                                   scale="log", live=True,
                                   help="Step size of gradient descent; the course uses 0.005.")
    num_iterations: int = setting(2000, "Iterations", minimum=1, maximum=20000,
                                  help="Gradient-descent steps over the whole training set.")


def course_data(settings=None):
    from engine.data.course_files import load_cat_dataset
    return load_cat_dataset()


# the learner's own dataset when the 'data' setting names one
load_data = data_loader(course_data, "catvnoncat")


def run(hp: LogisticSettings, on_event, control, dataset=None) -> dict:
    dataset = dataset or load_data(hp)
    X, X_test = dataset.flattened()
    Y, Y_test = dataset.Y_train, dataset.Y_test
    on_event.total = hp.num_iterations
    on_event.snapshot_interval = CURVES_ONLY_SNAPSHOT_INTERVAL_S
    w, b = initialize_with_zeros(X.shape[0])
    accuracy_curve = []
    i = 0
    try:
        for i in range(hp.num_iterations):
            control.checkpoint()
            grads, cost = propagate(w, b, X, Y)
            learning_rate = control.live("learning_rate", hp.learning_rate)
            w = w - learning_rate * grads["dw"]
            b = b - learning_rate * grads["db"]
            on_event.progress(i, cost)
            if on_event.snapshot_due() or i + 1 == hp.num_iterations:
                train_acc = accuracy(sigmoid(w.T @ X + b) > 0.5, Y)
                test_acc = accuracy(sigmoid(w.T @ X_test + b) > 0.5, Y_test)
                accuracy_curve.append((i, train_acc, test_acc))
                on_event.snapshot(iteration=i, total=hp.num_iterations,
                                  train_accuracy=train_acc, test_accuracy=test_acc,
                                  accuracy_curve=list(accuracy_curve))
    except StopRequested:
        pass
    train_probabilities = sigmoid(w.T @ X + b)
    test_probabilities = sigmoid(w.T @ X_test + b)
    result = image_results(dataset, test_probabilities)
    result.update(parameters={"w": w, "b": b}, costs=course_costs(on_event.curve))
    return {
        "metrics": {
            "train_accuracy": accuracy(train_probabilities > 0.5, Y),
            "test_accuracy": accuracy(test_probabilities > 0.5, Y_test),
            "final_cost": on_event.curve[-1][1] if on_event.curve else None,
            "iterations": len(on_event.curve),
        },
        "result": result,
    }


def classify_image(result: dict, source, classes=("non-cat", "cat")) -> dict:
    image = load_image_for_model(source, (64, 64))
    x = image.reshape(1, -1).T / 255.
    w, b = result["parameters"]["w"], result["parameters"]["b"]
    probability = float(sigmoid(w.T @ x + b)[0, 0])
    return {"label": classes[int(probability > 0.5)], "probability": probability,
            "image": image}


LESSON = Lesson(
    id="logistic-regression",
    title="Logistic regression: a cat classifier",
    course=COURSE_1, section="1.2",
    settings=with_data_choice(LogisticSettings), run=run_with_data_choice(run, load_data),
    load_data=load_data,
    summary="One sigmoid neuron on 12,288 pixel values, trained by gradient descent.",
    classify_image=classify_image,
)
