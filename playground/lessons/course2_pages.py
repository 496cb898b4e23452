"""Course 2.1 pages: initialization and regularization, three variants side by side."""
from __future__ import annotations

from playground.lessons.base import TrainingPage
from playground.panels.comparison import ComparisonView
from playground.panels.dataset_viewer import DatasetViewer
from playground.panels.dropout_view import DropoutView


class ComparisonPage(TrainingPage):
    """Trains the lesson's three variants in one job and compares them live."""

    VARIANTS: list[tuple[str, str]] = []
    VIEW = ((-1.5, 1.5), (-1.5, 1.5))

    def build_tabs(self) -> None:
        self.comparison = ComparisonView(self.VARIANTS)
        self.comparison.setObjectName("comparisonView")
        self.build_comparison_extras()
        self.tabs.addTab(self.comparison, "Comparison")
        self.viewer = DatasetViewer()
        self.tabs.addTab(self.viewer, "Dataset")

    def build_comparison_extras(self) -> None:
        """Add widgets beside the cost plot."""

    def on_data(self, dataset) -> None:
        self.viewer.set_dataset(dataset)
        self.comparison.set_points(dataset.X_train, dataset.Y_train, dataset.X_test,
                                   dataset.Y_test)
        self.comparison.set_view(*dataset.extra.get("view", self.VIEW))

    def before_run(self, settings) -> None:
        self.comparison.clear()

    def on_snapshot(self, data: dict) -> None:
        if "variants" in data:
            self.comparison.update_variants(data["variants"])

    def on_finished(self, data: dict) -> None:
        result = data.get("result") or {}
        if "variants" not in result:
            return
        self.comparison.update_variants(result["variants"])
        summary = []
        for variant in result["variants"]:
            acc = variant.get("train_accuracy")
            short = variant["name"]
            summary.append(f"{short} diverged" if variant.get("status") == "diverged" else
                           f"{short} {100 * acc:.1f}%" if acc is not None else short)
        head = "Stopped" if data.get("stopped") else "Finished"
        seconds = (data.get("metrics") or {}).get("seconds")
        tail = f" ({seconds:.1f} s)" if seconds is not None else ""
        self.controls.set_status(f"{head}: train accuracy " + ", ".join(summary) + tail)


class InitializationPage(ComparisonPage):
    VARIANTS = [("zeros", "Zeros initialization"),
                ("random", "Large random initialization"),
                ("he", "He initialization")]
    VIEW = ((-1.5, 1.5), (-1.5, 1.5))

    def build_comparison_extras(self) -> None:
        # The course's curves stay under 1; the random start's first costs reach ~25.
        self.comparison.set_cost_limit(1.2)


class RegularizationPage(ComparisonPage):
    VARIANTS = [("none", "No regularization"), ("l2", "L2 regularization"),
                ("dropout", "Dropout")]
    VIEW = ((-0.75, 0.40), (-0.75, 0.65))

    def build_comparison_extras(self) -> None:
        self.dropout_view = DropoutView()
        self.dropout_view.setToolTip(
            "Blue: unit kept for the shown example; grey with a cross: switched off by "
            "the mask. Paler blue: kept for fewer of the other examples.")
        self.comparison.top_row.addWidget(self.dropout_view, 1)

    def before_run(self, settings) -> None:
        super().before_run(settings)
        self.dropout_view.clear()

    def on_snapshot(self, data: dict) -> None:
        super().on_snapshot(data)
        if "dropout" in data:
            self.dropout_view.update_dropout(data["dropout"])

    def on_finished(self, data: dict) -> None:
        super().on_finished(data)
        dropout = (data.get("result") or {}).get("dropout")
        if dropout is not None:
            self.dropout_view.update_dropout(dropout)


__all__ = ["InitializationPage", "RegularizationPage"]
