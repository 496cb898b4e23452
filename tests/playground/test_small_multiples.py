"""Small multiples big enough to read (issue 12, point 7): the comparison lessons'
three boundary tiles, the hidden-units diagram at 50 units, and a boundary shaded
over the whole visible plot."""
from __future__ import annotations

import numpy as np
import pytest

from page_support import open_page


def boundary(n=40, extent=4.0):
    x = np.linspace(-extent, extent, n)
    return {"x": x, "y": x.copy(), "probability": np.random.default_rng(0).random((n, n))}


@pytest.mark.parametrize("size", [(300, 620), (720, 380)])
def test_the_boundary_shades_the_whole_visible_plot(qtbot, size):
    from playground.panels.boundary_plot import DecisionBoundaryPlot
    plot = DecisionBoundaryPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    plot.update_boundary(boundary())
    # a tall or a wide box: the plot takes the grid's square shape, no unshaded bands
    qtbot.waitUntil(lambda: plot.shaded_fraction() > 0.97, timeout=3000)
    side = min(plot.plot.vb.width(), plot.plot.vb.height())
    assert side > 0.6 * min(size)               # and it still uses the room it has


def test_fifty_hidden_units_are_tiles_not_slivers(qtbot):
    from playground.panels.hidden_units import NODE, HiddenUnitsView
    view = HiddenUnitsView()
    qtbot.addWidget(view)
    view.resize(360, 360)
    view.show()
    qtbot.waitExposed(view)
    n_h, grid = 50, np.linspace(-1, 1, 12)
    hidden = {"activations": np.zeros((n_h, 12, 12)), "x": grid, "y": grid}
    weights = {"W1": np.ones((n_h, 2)), "W2": np.ones((1, n_h))}
    view.update_hidden(hidden, weights)
    qtbot.wait(50)
    on_screen = NODE * view.view.transform().m11()
    assert on_screen >= 20, f"each unit is {on_screen:.1f} px wide"
    # every unit is still there, in its own place
    positions = {(round(n.left.x()), round(n.left.y())) for n in view.hidden}
    assert len(view.hidden) == n_h and len(positions) == n_h


def test_four_hidden_units_stay_one_column(qtbot):
    from playground.panels.hidden_units import unit_columns
    assert unit_columns(4) == 1 and unit_columns(8) == 1 and unit_columns(50) > 4


def test_comparison_tiles_are_large_at_1280x720(qtbot):
    from playground.main_window import MainWindow
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    page = open_page(qtbot, window, "initialization")
    qtbot.wait(100)
    for plot in page.comparison.boundaries.values():
        assert plot.width() >= 160 and plot.height() >= 150, plot.size()
    window.close()
