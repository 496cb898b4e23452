"""The headline of a stand-in run: how the model does on the real photos.

A lesson whose course file is missing trains on a stand-in (drawn faces, synthetic
signs) and, when the real test file is there, is also tested on it. That real score
is what the learner should read first, next to the stand-in score and the two
numbers that make any score meaningful: always answering the commonest class, and
guessing at random.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel

from playground.panels import style


def majority_share(labels) -> float | None:
    """Share of the commonest class in ``labels`` (what always answering it scores)."""
    labels = np.asarray(labels).reshape(-1)
    if labels.size == 0:
        return None
    return float(np.bincount(labels.astype(int)).max() / labels.size)


class RealScoreHeadline(QLabel):
    """Hidden until a stand-in run is tested on the real photos."""

    def __init__(self, parent=None) -> None:
        super().__init__("", parent)
        self.setObjectName("realTestAccuracy")
        self.setWordWrap(True)
        self.hide()

    def show_scores(self, metrics: dict, dataset, real_name: str,
                    standin_words: str = "the stand-in pictures") -> bool:
        """Show the real score of a finished run; False (and hidden) when it has none."""
        real = metrics.get("real_test_accuracy")
        if real is None:
            self.clear_scores()
            return False
        # any page's data: a Dataset has .extra, other lessons' inputs need not
        source = (getattr(dataset, "extra", None) or {}).get("real_test")
        parts = []
        if metrics.get("test_accuracy") is not None:
            parts.append(f"stand-in test pictures {100 * metrics['test_accuracy']:.1f}%")
        if source is not None:
            majority = majority_share(source["Y"])
            if majority is not None:
                parts.append("always answering the commonest class would score "
                             f"{100 * majority:.0f}%")
            classes = len(source.get("classes") or []) or len(np.unique(source["Y"]))
            if classes > 1:
                parts.append(f"a random guess among {classes} classes "
                             f"{100 / classes:.0f}%")
        detail = "; ".join(parts)
        self.setText(
            f"<span style='font-size:15pt'>Real photos ({real_name}): <b>{100 * real:.1f}%"
            f"</b> right</span><br><span style='color:{style.MUTED}'>Trained on "
            f"{standin_words} only{': ' + detail if detail else ''}.</span>")
        self.show()
        return True

    def clear_scores(self) -> None:
        self.setText("")
        self.hide()
