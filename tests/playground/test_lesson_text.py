"""Lesson texts render with their equations; the NumPy playground answers and refuses."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QFontMetricsF, QTextDocument  # noqa: E402

from playground.panels import lesson_text  # noqa: E402
from playground.panels.lesson_text import LESSONS_DIR, Formula, LessonText, split_math  # noqa: E402
from playground.panels.numpy_playground import (  # noqa: E402
    InputError,
    NumpyPlayground,
    parse_array,
)

LESSONS = [
    "numpy-basics",
    "logistic-regression",
    "planar-one-hidden-layer",
    "deep-step-by-step",
    "deep-cat-classifier",
]

OBJECT_REPLACEMENT = "\ufffc"
from engine.lessons import lesson_ids  # noqa: E402


@pytest.fixture(autouse=True)
def private_math_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_PLAYGROUND_MATH_CACHE", str(tmp_path / "math"))
    yield
    lesson_text.wait_for_cache_writes()


def math_images(document: QTextDocument) -> list[str]:
    names = []
    block = document.begin()
    while block.isValid():
        for rng in block.textFormats():
            if rng.format.isImageFormat():
                name = rng.format.toImageFormat().name()
                if name.startswith("mathimg:"):
                    names.append(name)
        block = block.next()
    return names


@pytest.fixture
def lesson(qtbot):
    widget = LessonText()
    qtbot.addWidget(widget)
    widget.resize(900, 1200)
    return widget


# -- lesson texts -------------------------------------------------------------

@pytest.mark.parametrize("lesson_id", LESSONS)
def test_lesson_loads_with_rendered_equations(lesson, lesson_id):
    assert (LESSONS_DIR / f"{lesson_id}.md").is_file()
    assert lesson.load_lesson(lesson_id) is True
    document = lesson.document()
    names = math_images(document)
    assert len(names) >= 1
    assert lesson.equation_count == len(names)
    assert lesson.failed_equations == []
    # every image is a real picture the document can draw
    for name in set(names):
        image = document.resource(QTextDocument.ResourceType.ImageResource, name)
        assert image is not None and not image.isNull()
    text = document.toPlainText()
    assert "$$" not in text
    assert "$" not in text.replace("\\$", "")
    assert OBJECT_REPLACEMENT in text


@pytest.mark.parametrize("lesson_id", [lid for lid in lesson_ids() if lid not in LESSONS])
def test_every_other_lesson_text_renders_all_its_equations(lesson, lesson_id):
    assert lesson.load_lesson(lesson_id) is True
    assert lesson.failed_equations == []
    assert lesson.equation_count >= 1
    assert "$$" not in lesson.document().toPlainText()


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_lesson_text_is_a_reasonable_length(lesson_id):
    pieces = split_math((LESSONS_DIR / f"{lesson_id}.md").read_text(encoding="utf-8"))
    prose = " ".join(p for p in pieces if isinstance(p, str))
    words = [w for w in prose.split() if any(c.isalpha() for c in w)]
    assert 300 <= len(words) <= 720
    assert any(isinstance(p, Formula) and p.display for p in pieces)


def test_headline_figures_are_in_the_texts():
    text = {lid: (LESSONS_DIR / f"{lid}.md").read_text(encoding="utf-8") for lid in LESSONS}
    assert "0.73105858" in text["numpy-basics"] and "278" in text["numpy-basics"]
    assert "99%" in text["logistic-regression"] and "70%" in text["logistic-regression"]
    assert "90%" in text["planar-one-hidden-layer"] and "47%" in text["planar-one-hidden-layer"]
    assert "L_model_forward(X, parameters)" in text["deep-step-by-step"]
    deep = text["deep-cat-classifier"]
    assert "0.771749" in deep and "80%" in deep and "72%" in deep and "[12288, 20, 7, 5, 1]" in deep


def test_missing_lesson_shows_friendly_message(lesson):
    assert lesson.load_lesson("no-such-lesson") is False
    text = lesson.document().toPlainText()
    assert "not here yet" in text
    assert "no-such-lesson" in text
    assert lesson.load_lesson("../../etc/passwd") is False


def test_bad_formula_falls_back_to_raw_latex(lesson):
    lesson.set_markdown("Good $x^2$ and bad $\\frac{1}{$ inline.\n\n$$\\sqrt{$$\n\nThe end.")
    assert lesson.failed_equations == ["\\frac{1}{", "\\sqrt{"]
    assert len(math_images(lesson.document())) == 1
    text = lesson.document().toPlainText()
    assert "\\frac{1}{" in text
    assert "\\sqrt{" in text
    assert "The end." in text


def test_code_and_escaped_dollars_are_left_alone(lesson):
    lesson.set_markdown("Costs \\$5. Code `a = $x$` stays.\n\n```\nprint('$$')\n```\n")
    assert lesson.equation_count == 0
    text = lesson.document().toPlainText()
    assert "Costs $5." in text
    assert "a = $x$" in text
    assert "print('$$')" in text


def test_wide_display_formulas_keep_their_size_and_scroll_instead(lesson, qtbot):
    # Issue 12, point 8: shrunk formulas were 7 px high and lost strokes ("=" -> "-").
    lesson.set_markdown("Before\n\n$$\\frac{\\|grad - gradapprox\\|_2}"
                        "{\\|grad\\|_2 + \\|gradapprox\\|_2} + a + b + c + d + e$$\n\n"
                        "Small: $$a = b$$\n\nAfter")
    lesson.show()
    (_, _, wide, natural, natural_h), (_, _, small, small_w, _) = lesson._display_formulas
    body = QFontMetricsF(lesson._font).height()
    assert natural_h > body                       # drawn larger than the body text
    lesson.resize(int(natural) // 2, 400)
    qtbot.wait(50)
    assert abs(wide.width() - natural) < 1 and abs(wide.height() - natural_h) < 1
    assert abs(small.width() - small_w) < 1
    # only the formula wider than the column needs the sideways scroll
    assert lesson.browser.horizontalScrollBar().maximum() > 0
    lesson.resize(int(natural) + 200, 400)
    qtbot.waitUntil(lambda: lesson.browser.horizontalScrollBar().maximum() == 0)


# -- line breaks around inline formulas (issue 12) ------------------------------

NOTATION = ("A volume has height $n_H$, width $n_W$ and $n_C$ channels; the layer before has\n"
            "$n_{H_{prev}}$, $n_{W_{prev}}$, $n_{C_{prev}}$. A batch is an array $(m, n_H, n_W, n_C)$.\n"
            "A CONV layer with $n_C$ filters of size $f \\times f$ keeps `W` in shape\n"
            "$(f, f, n_{C_{prev}}, n_C)$ and one bias per filter in `b`, ($1, 1, 1, n_C$).\n"
            "An $L$-layer net, $W^{[l]}$'s shape: done?")
# what may never start a line (it belongs to the formula before it) or end one
# (it belongs to the formula after it)
NEVER_STARTS_A_LINE = tuple(",.;:)?!'\u2019\u201d-")
NEVER_ENDS_A_LINE = ("(", "\u201c", "\u2018")


def laid_out_lines(document: QTextDocument, width: float) -> list[list[str]]:
    """The text of every line the document's own layout makes at ``width``, by block."""
    document.setTextWidth(width)
    document.documentLayout().documentSize()  # lay everything out now
    blocks = []
    block = document.begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        blocks.append([text[line.textStart():line.textStart() + line.textLength()]
                       for line in map(layout.lineAt, range(layout.lineCount()))])
        block = block.next()
    return blocks


def _joins(blocks: list[list[str]]):
    """(end of a line, start of the next) for breaks made where there is no space."""
    for lines in blocks:
        for before, after in zip(lines, lines[1:]):
            if before and after and not before[-1].isspace() and not after[0].isspace():
                yield before, after


def broken_joins(blocks: list[list[str]]) -> list[tuple[str, str]]:
    """Line breaks that part a formula's picture from text touching it."""
    return [(before, after) for before, after in _joins(blocks)
            if OBJECT_REPLACEMENT in (before[-1], after[0])]


def orphaned_punctuation(blocks: list[list[str]]) -> list[tuple[str, str]]:
    """Line breaks that leave punctuation or a bracket away from what it belongs to."""
    return [(before, after) for before, after in _joins(blocks)
            if after.startswith(NEVER_STARTS_A_LINE) or before.endswith(NEVER_ENDS_A_LINE)]


def test_formula_and_touching_punctuation_never_split_across_lines(lesson):
    # Issue 12: "n_{H_prev}" ended a line and the next began with ", n_W_prev".
    lesson.set_markdown(NOTATION)
    document = lesson.document()
    assert lesson.equation_count == 13 and lesson.failed_equations == []
    checked = 0
    for width in range(140, 760, 3):
        blocks = laid_out_lines(document, width)
        assert broken_joins(blocks) == [], f"width {width}: {blocks}"
        assert orphaned_punctuation(blocks) == [], f"width {width}: {blocks}"
        checked += len(blocks[0]) > 2
    assert checked > 100  # narrow enough that the paragraph really wraps
    # the punctuation is drawn with its formula, not left behind in the text
    text = document.firstBlock().text()
    for glue in (",", ".", ";", ")", "-", "'"):
        assert OBJECT_REPLACEMENT + glue not in text
        assert not text.startswith(glue)
    assert "(" + OBJECT_REPLACEMENT not in text
    alt = [fmt.stringProperty(fmt.Property.ImageAltText) for fmt in image_formats(document)]
    assert "n_{H_{prev}}," in alt and "(1, 1, 1, n_C)." in alt and "L-layer" in alt
    assert "W^{[l]}'s" in alt and "(m, n_H, n_W, n_C)." in alt and "n_H," in alt, alt


def test_glued_punctuation_is_drawn_in_the_text_font_on_the_baseline(lesson):
    lesson.set_markdown("Plain $x$ here.")
    bare = image_formats(lesson.document())[0]
    lesson.set_markdown("Comma $x$, here.")
    glued = image_formats(lesson.document())[0]
    comma = QFontMetricsF(lesson._font, lesson).horizontalAdvance(",")
    assert abs(glued.width() - bare.width() - comma) <= 1.0
    # the picture grows to the text's ascent for the comma, but the line does not
    line_heights = []
    for markdown in ("Plain $x$ here.", "Comma $x$, here."):
        lesson.set_markdown(markdown)
        laid_out_lines(lesson.document(), 600)
        line_heights.append(lesson.document().firstBlock().layout().lineAt(0).height())
    assert line_heights[0] == line_heights[1]
    picture = lesson.document().resource(QTextDocument.ResourceType.ImageResource,
                                         glued.name())
    inked_columns = [x for x in range(picture.width())
                     if any(picture.pixelColor(x, y).alpha() > 128
                            for y in range(picture.height()))]
    assert max(inked_columns) > bare.width()  # the comma's ink is in the picture


def test_formula_wider_than_the_column_scrolls_with_its_punctuation(lesson, qtbot):
    lesson.set_markdown("Long: $a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} "
                        "+ a_{11} + a_{12}$, and then more words.")
    lesson.show()
    fmt = image_formats(lesson.document())[0]
    natural = fmt.width()
    lesson.resize(int(natural * 0.6), 300)
    qtbot.waitUntil(lambda: lesson.browser.horizontalScrollBar().maximum() > 0)
    assert image_formats(lesson.document())[0].width() == natural  # kept, not shrunk
    blocks = laid_out_lines(lesson.document(), lesson.browser.viewport().width())
    assert [line for line in blocks[0] if OBJECT_REPLACEMENT in line] == [OBJECT_REPLACEMENT + " "]
    assert broken_joins(blocks) == []


def test_raw_latex_shown_while_drawing_never_breaks_at_its_spaces(qtbot, monkeypatch):
    # A page shows formulas as raw LaTeX until the worker has drawn them.
    monkeypatch.setattr(lesson_text, "_memory", {})
    widget = LessonText(background=True)
    qtbot.addWidget(widget)
    latex = "q_1 + q_2 + q_3 + q_4"
    widget.set_markdown(f"Before the sum there are words, ${latex}$, and after it too.")
    assert widget.pending_equations == 1
    unbreakable = latex.replace(" ", "\u00a0")
    document = widget.document()
    assert unbreakable in document.firstBlock().text()  # toPlainText() shows plain spaces
    for width in range(260, 600, 5):
        blocks = laid_out_lines(document, width)
        assert [line for line in blocks[0] if "q_" in line][0].count("q_") == 4, (width, blocks)
        assert orphaned_punctuation(blocks) == []
    qtbot.waitUntil(lambda: widget.equation_count == 1, timeout=20000)


@pytest.mark.parametrize("lesson_id", ["cnn-step-by-step", "optimization",
                                       "deep-cat-classifier", "logistic-regression"])
def test_lessons_wrap_without_orphaned_punctuation(lesson, lesson_id):
    lesson.load_lesson(lesson_id)
    for width in (300, 380, 460, 540, 620):
        blocks = laid_out_lines(lesson.document(), width)
        assert broken_joins(blocks) == [], f"{lesson_id} at {width}"


def image_formats(document: QTextDocument):
    found = []
    block = document.begin()
    while block.isValid():
        for rng in block.textFormats():
            if rng.format.isImageFormat():
                found.append(rng.format.toImageFormat())
        block = block.next()
    return found


def test_split_math_finds_inline_and_display():
    pieces = split_math("a $x$ b\n\n$$y = 1$$\n\n`$z$` $ 5 $")
    formulas = [p for p in pieces if isinstance(p, Formula)]
    assert formulas == [Formula("x", False), Formula("y = 1", True)]


def test_second_render_uses_the_cache(lesson):
    lesson.load_lesson("logistic-regression")
    first = lesson.render_seconds
    lesson.load_lesson("logistic-regression")
    assert lesson.render_seconds < max(first, 0.05)
    lesson_text.wait_for_cache_writes()
    cached = list(lesson_text.math_cache_dir().glob("*.png"))
    assert len(cached) >= 10


# -- NumPy playground ---------------------------------------------------------

@pytest.fixture
def numpy_panel(qtbot):
    widget = NumpyPlayground()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def type_into(qtbot, line_edit, text):
    line_edit.clear()
    qtbot.keyClicks(line_edit, text)


def choose(combo, text):
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def test_sigmoid_of_one_two_three(qtbot, numpy_panel):
    type_into(qtbot, numpy_panel.input, "1, 2, 3")
    choose(numpy_panel.function, "sigmoid")
    qtbot.mouseClick(numpy_panel.run_button, Qt.MouseButton.LeftButton)
    assert "0.73105858" in numpy_panel.result.toPlainText()
    assert "0.95257413" in numpy_panel.result.toPlainText()
    assert numpy_panel.error.isHidden()


def test_normalize_rows_of_a_typed_matrix(qtbot, numpy_panel):
    type_into(qtbot, numpy_panel.input, "0 3 4; 1 6 4")
    choose(numpy_panel.function, "normalizeRows")
    qtbot.mouseClick(numpy_panel.run_button, Qt.MouseButton.LeftButton)
    text = numpy_panel.result.toPlainText()
    assert "0.13736056" in text and "0.82416338" in text and "(2, 3)" in text


def test_l1_and_l2_course_example(qtbot, numpy_panel):
    choose(numpy_panel.function, "L1 (yhat, y)")
    assert numpy_panel.y_input.isEnabled()
    qtbot.mouseClick(numpy_panel.example_button, Qt.MouseButton.LeftButton)
    assert numpy_panel.result.toPlainText().startswith("1.1")
    choose(numpy_panel.function, "L2 (yhat, y)")
    qtbot.mouseClick(numpy_panel.run_button, Qt.MouseButton.LeftButton)
    assert numpy_panel.result.toPlainText().startswith("0.43")


def test_softmax_rows_sum_to_one(qtbot, numpy_panel):
    choose(numpy_panel.function, "softmax")
    type_into(qtbot, numpy_panel.input, "1 2 3; 0 0 0")
    qtbot.mouseClick(numpy_panel.run_button, Qt.MouseButton.LeftButton)
    assert "0.33333333" in numpy_panel.result.toPlainText()


@pytest.mark.parametrize(
    "function, x_text, y_text, fragment",
    [
        ("sigmoid", "abc", "", "'abc' is not a number"),
        ("sigmoid", "", "", "empty"),
        ("normalizeRows", "1 2 3; 4 5", "", "same number of entries"),
        ("L1 (yhat, y)", "1, 2, 3", "1, 2", "same length"),
        ("L2 (yhat, y)", "1, 2", "x", "'x' is not a number"),
        ("normalizeRows", "0 0 0; 1 2 3", "", "length 0"),
    ],
)
def test_bad_input_shows_red_message(qtbot, numpy_panel, function, x_text, y_text, fragment):
    qtbot.mouseClick(numpy_panel.run_button, Qt.MouseButton.LeftButton)  # a good result first
    choose(numpy_panel.function, function)
    type_into(qtbot, numpy_panel.input, x_text)
    type_into(qtbot, numpy_panel.y_input, y_text)
    qtbot.mouseClick(numpy_panel.run_button, Qt.MouseButton.LeftButton)
    error = numpy_panel.findChild(type(numpy_panel.error), "numpyError")
    assert error is numpy_panel.error
    assert error.isVisible()
    assert fragment in error.text()
    assert "Traceback" not in error.text()
    assert numpy_panel.result.toPlainText() == ""


def test_error_clears_after_good_input(qtbot, numpy_panel):
    type_into(qtbot, numpy_panel.input, "abc")
    qtbot.mouseClick(numpy_panel.run_button, Qt.MouseButton.LeftButton)
    assert numpy_panel.error.isVisible()
    type_into(qtbot, numpy_panel.input, "0")
    qtbot.keyClick(numpy_panel.input, Qt.Key.Key_Return)
    assert not numpy_panel.error.isVisible()
    assert numpy_panel.result.toPlainText().startswith("[0.5]")


def test_parse_array_forms():
    np.testing.assert_array_equal(parse_array("1, 2, 3"), [1, 2, 3])
    np.testing.assert_array_equal(parse_array("0 3 4; 1 6 4"), [[0, 3, 4], [1, 6, 4]])
    np.testing.assert_array_equal(parse_array("[[0, 3, 4], [1, 6, 4]]"), [[0, 3, 4], [1, 6, 4]])
    assert parse_array("[[1, 2]]").shape == (1, 2)
    np.testing.assert_array_equal(parse_array("1\n2"), [[1], [2]])
    with pytest.raises(InputError):
        parse_array("1, nan")


def test_vectorization_button_fills_table(qtbot, numpy_panel):
    table = numpy_panel.findChild(type(numpy_panel.table), "vectorizationTable")
    button = numpy_panel.findChild(type(numpy_panel.time_button), "timeVectorization")
    assert table.rowCount() == 0
    numpy_panel.size_choice.setCurrentIndex(0)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: table.rowCount() == 4, timeout=10_000)
    assert button.isEnabled()
    assert table.item(0, 0).text().startswith("dot")
    for row in range(4):
        assert float(table.item(row, 1).text().replace(",", "")) > 0
        assert float(table.item(row, 2).text().replace(",", "")) > 0
        assert table.item(row, 4).text() == "yes"
    assert "dot = 278" in numpy_panel.values.text()


def test_vectorization_runs_off_the_ui_thread(qtbot, numpy_panel):
    numpy_panel.size_choice.setCurrentIndex(1)  # 10,000 entries
    qtbot.mouseClick(numpy_panel.time_button, Qt.MouseButton.LeftButton)
    # the click returns at once: the work is on a background thread
    assert not numpy_panel.time_button.isEnabled()
    qtbot.waitUntil(lambda: numpy_panel.table.rowCount() == 4, timeout=20_000)
    assert "10,000 entries" in numpy_panel.timing_status.text()


def test_matplotlib_is_lazy_and_never_pyplot(tmp_path):
    """Importing the panel costs no matplotlib; rendering uses mathtext, never pyplot."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        f"os.environ['DL_PLAYGROUND_MATH_CACHE'] = {str(tmp_path / 'math')!r}\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from playground.panels.lesson_text import LessonText\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at start'\n"
        "w = LessonText()\n"
        "assert w.load_lesson('logistic-regression')\n"
        "assert w.equation_count > 0 and not w.failed_equations\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


def test_palette_change_rerenders_formulas_in_new_colour(lesson):
    from PySide6.QtGui import QColor, QPalette

    lesson.set_markdown("Colour $x^2$.")
    before = lesson.document().resource(QTextDocument.ResourceType.ImageResource,
                                        math_images(lesson.document())[0])
    palette = lesson.palette()
    palette.setColor(QPalette.ColorRole.Text, QColor("#ff0000"))
    lesson.setPalette(palette)
    after = lesson.document().resource(QTextDocument.ResourceType.ImageResource,
                                       math_images(lesson.document())[0])
    assert lesson.equation_count == 1

    def inked_colours(image):
        return {image.pixelColor(x, y).name() for x in range(image.width())
                for y in range(image.height()) if image.pixelColor(x, y).alpha() == 255}

    assert "#ff0000" not in inked_colours(before)
    assert inked_colours(after) == {"#ff0000"}
