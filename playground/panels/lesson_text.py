"""The lesson text panel: markdown with LaTeX equations, shown read-only.

Markdown is handed to Qt's own importer (GitHub dialect, so tables work). Before that,
every ``$$ ... $$`` block and ``$ ... $`` span is cut out and replaced by an image
placeholder; the formula is rendered to a PNG by matplotlib's mathtext (Agg
rasteriser, never pyplot) and kept in a disk cache keyed by a hash of formula, size,
dpi and colour, so a lesson opened a second time renders no equation at all.
A formula mathtext cannot parse is shown as raw LaTeX in monospace.

An inline formula is one unbreakable unit: the punctuation touching it ("$n_H$,",
"($m$)") is drawn into its picture, and raw LaTeX standing in for it keeps its
spaces non-breaking, so a line never ends between a formula and its comma.

matplotlib is imported inside the render function: the first lesson with equations
pays ~0.3 s for it, app start pays nothing.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QPainter,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrameFormat,
    QTextImageFormat,
    QTextLength,
    QTextTable,
)
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from playground.bridge import emit_if_alive
from playground.safe_slots import guarded

LESSONS_DIR = Path(__file__).resolve().parents[2] / "assets" / "lessons"

# Bump when the look of rendered formulas changes, so stale cache files are ignored.
_RENDER_VERSION = "2"
_MATH_SCHEME = "mathimg"
_BODY_POINT_SIZE = 11.5
_INLINE_SCALE = 1.18  # Computer Modern looks smaller than DejaVu Sans at the same size
_DISPLAY_SCALE = 1.4
# Display formulas are never scaled down (see LessonText._fit_display_formulas).
DISPLAY_SCALE_FLOOR = 1.0
_MATH_FONTSET = "cm"
# An inline formula reaching up to this many pixels below the text's descent line
# is raised that much rather than given a taller line (see _pad_for_baseline).
_BASELINE_TOLERANCE = 2.5
_HEADING_COLOR = "#1f4e79"
_CODE_BACKGROUND = "#f2f4f7"
_TABLE_BORDER = "#c8ced6"
_LESSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def math_cache_dir() -> Path:
    """Folder of rendered formulas; ``DL_PLAYGROUND_MATH_CACHE`` overrides it."""
    override = os.environ.get("DL_PLAYGROUND_MATH_CACHE")
    if override:
        return Path(override)
    return Path(tempfile.gettempdir()) / "dl-playground-math"


# ---------------------------------------------------------------------------
# Markdown scanning: find the math, leave code alone.

@dataclass(frozen=True)
class Formula:
    latex: str
    display: bool


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def split_math(markdown: str) -> list[str | Formula]:
    """Split markdown into literal text pieces and :class:`Formula` pieces.

    Fenced code blocks and inline code spans are left untouched; ``\\$`` stays a
    literal dollar. Inline math follows the usual rule that the opening ``$`` is
    not followed, and the closing one not preceded, by a space, and it never
    crosses a blank line.
    """
    pieces: list[str | Formula] = []
    buffer: list[str] = []
    prose: list[str] = []
    fence: str | None = None

    def flush_prose() -> None:
        if prose:
            _scan_prose("".join(prose), pieces, buffer)
            prose.clear()

    for line in markdown.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None and match:
            flush_prose()
            fence = match.group(1)
            buffer.append(line)
        elif fence is not None:
            buffer.append(line)
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) <= {fence[0]}:
                fence = None
        else:
            prose.append(line)
    flush_prose()
    if buffer:
        pieces.append("".join(buffer))
    return pieces


def _scan_prose(text: str, pieces: list, buffer: list[str]) -> None:
    i, n = 0, len(text)

    def emit_formula(latex: str, display: bool) -> None:
        if buffer:
            pieces.append("".join(buffer))
            buffer.clear()
        pieces.append(Formula(" ".join(latex.split()), display))

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            buffer.append(text[i:i + 2])
            i += 2
            continue
        if ch == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            ticks = "`" * run
            close = text.find(ticks, i + run)
            while close != -1 and text[close + run:close + run + 1] == "`":
                close = text.find(ticks, close + run + 1)
            if close == -1:
                buffer.append(ticks)
                i += run
            else:
                buffer.append(text[i:close + run])
                i = close + run
            continue
        if ch == "$":
            if text.startswith("$$", i):
                close = _find_unescaped(text, "$$", i + 2)
                if close != -1 and text[i + 2:close].strip():
                    emit_formula(text[i + 2:close], True)
                    i = close + 2
                    continue
            else:
                close = _find_inline_close(text, i + 1)
                if close != -1:
                    emit_formula(text[i + 1:close], False)
                    i = close + 1
                    continue
            buffer.append("\\$")  # a lone dollar stays a dollar, not markdown
            i += 1
            continue
        buffer.append(ch)
        i += 1


def _find_unescaped(text: str, token: str, start: int) -> int:
    pos = text.find(token, start)
    while pos != -1 and _escaped(text, pos):
        pos = text.find(token, pos + 1)
    return pos


def _escaped(text: str, pos: int) -> bool:
    backslashes = 0
    while pos - backslashes - 1 >= 0 and text[pos - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _find_inline_close(text: str, start: int) -> int:
    if start >= len(text) or text[start] in " \t\n$":
        return -1
    limit = text.find("\n\n", start)
    limit = len(text) if limit == -1 else limit
    pos = start
    while True:
        pos = text.find("$", pos)
        if pos == -1 or pos >= limit:
            return -1
        if not _escaped(text, pos) and text[pos - 1] not in " \t\n":
            return pos
        pos += 1


# ---------------------------------------------------------------------------
# Rendering formulas to PNG with mathtext.

@dataclass(frozen=True)
class RenderedFormula:
    image: QImage   # ARGB, the formula in the text colour on transparent ground
    depth: float    # device pixels below the baseline
    path: Path      # where the PNG lives (or will, once the background write is done)


_parser = None
_glyph_flags = None


def _mathtext_raster(latex: str, size_pt: float, dpi: float):
    """mathtext's Agg raster of ``latex``: ``(ox, oy, width, height, depth, image)``.

    ``MathTextParser.parse`` imports the whole Agg backend (~0.3 s, figures, artists)
    just to read one hinting flag; the flag is looked up here instead and the parser's
    cached worker is called directly. If matplotlib changes that private method, the
    public ``parse`` is used.
    """
    global _parser, _glyph_flags
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    if _parser is None:
        _parser = MathTextParser("agg")
    prop = FontProperties(size=size_pt, math_fontfamily=_MATH_FONTSET)
    text = f"${latex}$"
    if _glyph_flags is None:
        _glyph_flags = _hinting_flag()
    if _glyph_flags is not False:
        try:
            return _parser._parse_cached(text, dpi, prop, True, _glyph_flags)
        except (AttributeError, TypeError):
            _glyph_flags = False
    return _parser.parse(text, dpi=dpi, prop=prop)


def _hinting_flag():
    try:
        import matplotlib as mpl
        from matplotlib.ft2font import LoadFlags
    except ImportError:
        return False
    mapping = {
        "default": LoadFlags.DEFAULT, "either": LoadFlags.DEFAULT,
        "no_autohint": LoadFlags.NO_AUTOHINT, "native": LoadFlags.NO_AUTOHINT,
        "force_autohint": LoadFlags.FORCE_AUTOHINT, "auto": LoadFlags.FORCE_AUTOHINT,
        True: LoadFlags.FORCE_AUTOHINT,
        "no_hinting": LoadFlags.NO_HINTING, "none": LoadFlags.NO_HINTING,
        False: LoadFlags.NO_HINTING,
    }
    return mapping.get(mpl.rcParams.get("text.hinting"), LoadFlags.DEFAULT)


_memory: dict[str, RenderedFormula | None] = {}
_writer = None


def _cache_key(latex: str, size_pt: float, dpi: float, color: str,
               cache_dir: Path | None) -> tuple[str, Path]:
    cache_dir = cache_dir or math_cache_dir()
    key = "|".join([_RENDER_VERSION, _MATH_FONTSET, latex, f"{size_pt:.2f}", f"{dpi:.1f}", color])
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    return f"{cache_dir}/{digest}", cache_dir / f"{digest}.png"


def is_rendered(latex: str, *, size_pt: float, dpi: float, color: str,
                cache_dir: Path | None = None) -> bool:
    """True when ``render_formula`` would answer from memory or disk, without drawing."""
    memory_key, path = _cache_key(latex, size_pt, dpi, color, cache_dir)
    return memory_key in _memory or path.exists()


_renderer = None


def render_in_background(jobs: list[tuple[str, float]], dpi: float, color: str, done) -> None:
    """Render ``(latex, size_pt)`` pairs off the UI thread, then call ``done()`` there.

    One worker for the whole app: matplotlib's mathtext parser is not thread-safe,
    and pages opened in quick succession simply queue.
    """
    global _renderer
    if _renderer is None:
        from concurrent.futures import ThreadPoolExecutor
        _renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="math-render")

    def work() -> None:
        for latex, size in jobs:
            render_formula(latex, size_pt=size, dpi=dpi, color=color)

    _renderer.submit(work).add_done_callback(lambda _future: done())


def render_formula(latex: str, *, size_pt: float, dpi: float, color: str,
                   cache_dir: Path | None = None) -> RenderedFormula | None:
    """Render ``latex`` (without dollars); ``None`` if mathtext rejects it.

    Looks in memory, then in the disk cache, then renders. A fresh PNG is written
    to the cache on a background thread, so the lesson shows without waiting for
    the encoder.
    """
    memory_key, path = _cache_key(latex, size_pt, dpi, color, cache_dir)
    if memory_key in _memory:
        return _memory[memory_key]
    if path.exists():
        image = QImage(str(path))
        if not image.isNull():
            rendered = RenderedFormula(image, float(image.text("depth") or 0.0), path)
            _memory[memory_key] = rendered
            return rendered

    import numpy as np

    try:
        parsed = _mathtext_raster(latex, size_pt, dpi)
        alpha = np.asarray(parsed.image, dtype=np.uint8)
    except Exception:  # mathtext raises ValueError for bad TeX, others for odd glyphs
        alpha = None
    if alpha is None or alpha.ndim != 2 or not alpha.any():
        _memory[memory_key] = None
        return None
    # mathtext leaves a margin of blank rows; without it the formula can sit
    # on the text's baseline in more cases (see LessonText._pad_for_baseline)
    inked = np.flatnonzero(alpha.any(axis=1))
    depth = float(parsed.depth) - (alpha.shape[0] - 1 - inked[-1])
    alpha = alpha[inked[0]:inked[-1] + 1]
    argb = (alpha.astype(np.uint32) << 24) | np.uint32(QColor(color).rgb() & 0xFFFFFF)
    argb = np.ascontiguousarray(argb)
    h, w = argb.shape
    image = QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()
    image.setText("depth", f"{depth:.3f}")
    image.setText("latex", latex)
    rendered = RenderedFormula(image, depth, path)
    _memory[memory_key] = rendered
    _write_later(QImage(image), path)
    return rendered


def _write_later(image: QImage, path: Path) -> None:
    global _writer
    if _writer is None:
        from concurrent.futures import ThreadPoolExecutor
        _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="math-cache")
    _writer.submit(_write_png, image, path)


def _write_png(image: QImage, path: Path) -> None:
    """Atomic write (temp file, then rename); a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.png")
        if image.save(str(tmp), "PNG"):
            os.replace(tmp, path)
        else:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass


def wait_for_cache_writes() -> None:
    """Block until every queued PNG is on disk (tests and benchmarks use this)."""
    global _writer
    if _writer is not None:
        _writer.shutdown(wait=True)
        _writer = None


# ---------------------------------------------------------------------------

class _Browser(QTextBrowser):
    """QTextBrowser that serves rendered formulas from memory."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.math_images: dict[str, QImage] = {}

    def loadResource(self, kind, url):  # noqa: N802 (Qt override)
        if url.scheme() == _MATH_SCHEME:
            image = self.math_images.get(url.toString())
            if image is not None:
                return image
        return super().loadResource(kind, url)


class _RenderSignals(QObject):
    # Emitted from the render worker; Qt queues it to the UI thread.
    finished = Signal(int)


class LessonText(QWidget):
    """Read-only lesson text with rendered equations.

    With ``background=True`` (lesson pages) equations not yet in the cache are drawn
    on a worker thread: the text shows at once, those equations as LaTeX for the
    moment it takes, then the page swaps in the pictures. The default draws them
    before returning (simplest for tests and screenshots).

    ``load_lesson("logistic-regression")`` shows ``assets/lessons/logistic-regression.md``;
    ``set_markdown(text)`` shows any markdown. After either, ``equation_count``,
    ``failed_equations`` (LaTeX that fell back to monospace) and ``render_seconds``
    describe the last render.
    """

    def __init__(self, parent: QWidget | None = None, background: bool = False):
        super().__init__(parent)
        self.setObjectName("lessonText")
        self.background = background
        self.pending_equations = 0
        self._generation = 0
        self._signals = _RenderSignals(self)
        self._signals.finished.connect(self._background_done)
        self.browser = _Browser(self)
        self.browser.setObjectName("lessonBrowser")
        self.browser.setReadOnly(True)
        # Lessons link only to the web; following a link inside the browser would
        # replace the lesson, so links open in the system browser instead.
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(_open_web_link)
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        self._display_formulas: list = []
        self.browser.viewport().installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)

        font = QFont(self.font())
        font.setPointSizeF(_BODY_POINT_SIZE)
        self._font = font
        self.lesson_id: str | None = None
        self._markdown = ""
        self.equation_count = 0
        self.failed_equations: list[str] = []
        self.render_seconds = 0.0
        self._alignment: tuple[float, float] | None = None

    # -- public API -----------------------------------------------------------

    def load_lesson(self, lesson_id: str) -> bool:
        """Show the lesson's markdown; returns False (and says so) when it is missing."""
        self.lesson_id = lesson_id
        path = LESSONS_DIR / f"{lesson_id}.md" if _LESSON_ID.match(lesson_id or "") else None
        try:
            if path is None:
                raise FileNotFoundError(lesson_id)
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            self.set_markdown(
                "## This lesson's text is not here yet\n\n"
                f"There is no text for the lesson `{lesson_id}` "
                "(looked for it in `assets/lessons/`). "
                "Everything else on the page still works: train, pause and play."
            )
            return False
        # The narrow text pane breaks an h1-sized title mid-word ("Regularizatio / n");
        # the page header above already names the lesson at that size.
        if text.startswith("# "):
            text = "#" + text
        self.set_markdown(text)
        return True

    def set_markdown(self, text: str) -> None:
        start = time.perf_counter()
        self._markdown = text
        self._generation += 1
        pieces = split_math(text)
        color = self.palette().color(QPalette.ColorRole.Text).name()
        ratio = max(1.0, self.devicePixelRatioF())
        dpi = self.logicalDpiY() * ratio

        parts: list[str] = []
        formulas: list[tuple[Formula, RenderedFormula, str, str]] = []
        failed: list[str] = []
        waiting: list[tuple[str, float]] = []
        for index, piece in enumerate(pieces):
            if isinstance(piece, str):
                parts.append(piece)
                continue
            size = self._font.pointSizeF() * (_DISPLAY_SCALE if piece.display else _INLINE_SCALE)
            if self.background and not is_rendered(piece.latex, size_pt=size, dpi=dpi,
                                                   color=color):
                waiting.append((piece.latex, size))
                parts.append(_code_fallback(piece))
                continue
            rendered = render_formula(piece.latex, size_pt=size, dpi=dpi, color=color)
            if rendered is None:
                failed.append(piece.latex)
                parts.append(_code_fallback(piece))
                continue
            name = f"{_MATH_SCHEME}:{'d' if piece.display else 'i'}{len(formulas)}"
            lead, trail = ("", "") if piece.display else _touching_text(pieces, index)
            formulas.append((piece, rendered, lead, trail))
            image_md = f"![formula]({name})"
            parts.append(f"\n\n{image_md}\n\n" if piece.display else image_md)

        document = QTextDocument(self.browser)
        document.setDefaultFont(self._font)
        document.setDocumentMargin(22)
        self.browser.math_images.clear()
        document.setMarkdown("".join(parts), QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
        self._place_formulas(document, formulas, ratio)
        self._style(document)
        self.browser.setDocument(document)
        self._fit_display_formulas()

        self.equation_count = len(formulas)
        self.failed_equations = failed
        self.render_seconds = time.perf_counter() - start
        self.pending_equations = len(waiting)
        if waiting:
            generation, signals = self._generation, self._signals
            render_in_background(waiting, dpi, color,
                                 lambda: emit_if_alive(signals.finished, generation))

    def _background_done(self, generation: int) -> None:
        # Only the render for the text still shown matters; everything is cached now.
        if generation == self._generation:
            self.set_markdown(self._markdown)

    def document(self) -> QTextDocument:
        return self.browser.document()

    @guarded("restyle the lesson text")
    def changeEvent(self, event):  # noqa: N802 (Qt override)
        # formulas are pictures in the text colour: redraw them for a new palette
        if event.type() == QEvent.Type.PaletteChange and self._markdown:
            self.set_markdown(self._markdown)
        super().changeEvent(event)

    # -- internals ------------------------------------------------------------

    @guarded("handle that event", default=False)
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        # The viewport's own resize, not this widget's: a page builds its text while
        # hidden, and only the viewport knows the width the text really gets.
        if watched is self.browser.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_display_formulas()
        return super().eventFilter(watched, event)

    def _fit_display_formulas(self) -> None:
        """Display formulas keep their drawn size, whatever the pane's width.

        They used to shrink to the pane: the optimization lesson's update rule came
        out 7 px high and a scaled-down "=" lost a stroke and read as "-". Now a
        formula wider than the column scrolls sideways (only the widest do), and
        reading mode (Ctrl+R) or a wider column shows it whole."""
        document = self.browser.document()
        for position, length, fmt, width, height in self._display_formulas:
            scale = DISPLAY_SCALE_FLOOR
            if abs(fmt.width() - width * scale) < 0.5:
                continue
            fmt.setWidth(width * scale)
            fmt.setHeight(height * scale)
            cursor = QTextCursor(document)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(fmt)

    def _place_formulas(self, document: QTextDocument,
                        formulas: list[tuple[Formula, RenderedFormula, str, str]],
                        ratio: float) -> None:
        self._display_formulas = []
        edits = []
        block = document.begin()
        while block.isValid():
            for rng in block.textFormats():
                fmt = rng.format
                if fmt.isImageFormat():
                    name = fmt.toImageFormat().name()
                    if name.startswith(f"{_MATH_SCHEME}:"):
                        edits.append((block.position() + rng.start, rng.length, name))
            block = block.next()

        removed = 0  # glue characters taken out of the text so far (edits run forwards)
        for position, length, name in edits:
            position -= removed
            index = int(name.split(":", 1)[1][1:])
            formula, rendered, lead, trail = formulas[index]
            image = QImage(rendered.image)
            alignment = None
            if not formula.display:
                image, alignment = self._pad_for_baseline(image, rendered.depth, ratio)
                lead_fmt, trail_fmt = self._take_glue(document, position, length, lead, trail)
                if lead_fmt is None:
                    lead = ""
                if trail_fmt is None:
                    trail = ""
                if lead or trail:
                    block = document.findBlock(position)
                    image = self._glue(image, alignment, ratio, block,
                                       (lead, lead_fmt), (trail, trail_fmt))
                    position -= len(lead)
                    removed += len(lead) + len(trail)
            block = document.findBlock(position)
            image.setDevicePixelRatio(ratio)
            self.browser.math_images[name] = image
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)

            fmt = QTextImageFormat()
            fmt.setName(name)
            fmt.setWidth(image.width() / ratio)
            fmt.setHeight(image.height() / ratio)
            fmt.setToolTip(formula.latex)
            # the glue is drawn into the picture, so the alt text carries it too
            fmt.setProperty(QTextFormat.Property.ImageAltText, f"{lead}{formula.latex}{trail}")
            if alignment is not None:
                fmt.setVerticalAlignment(alignment)
            cursor = QTextCursor(document)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(fmt)
            if formula.display:
                self._display_formulas.append((position, length, fmt, fmt.width(),
                                               fmt.height()))
                block_format = block.blockFormat()
                block_format.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                block_format.setTopMargin(6)
                block_format.setBottomMargin(10)
                cursor.setBlockFormat(block_format)

    @staticmethod
    def _take_glue(document: QTextDocument, position: int, length: int,
                   lead: str, trail: str) -> tuple[QTextCharFormat | None, QTextCharFormat | None]:
        """Cut the glue text around the formula at ``position`` out of the document.

        Returns the character format each side had (``None`` where there was no glue,
        or where the importer changed the text so that it no longer matches)."""
        block = document.findBlock(position)
        text, start = block.text(), position - block.position()
        formats: list[QTextCharFormat | None] = [None, None]
        cursor = QTextCursor(document)
        # the trailing side first, so the formula's position stays put until the end
        after = start + length
        if trail and text[after:after + len(trail)] == trail:
            cursor.setPosition(position + length + 1)
            formats[1] = cursor.charFormat()
            cursor.setPosition(position + length)
            cursor.setPosition(position + length + len(trail), QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
        if lead and start >= len(lead) and text[start - len(lead):start] == lead:
            cursor.setPosition(position - len(lead) + 1)
            formats[0] = cursor.charFormat()
            cursor.setPosition(position - len(lead))
            cursor.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
        return formats[0], formats[1]

    def _glue(self, image: QImage, alignment, ratio: float, block,
              lead: tuple[str, QTextCharFormat | None],
              trail: tuple[str, QTextCharFormat | None]) -> QImage:
        """Draw the text touching an inline formula into the formula's picture.

        Qt's line breaker always allows a break after an inline image, whatever
        character follows (a word joiner does not stop it), so "$n_H$," could end a
        line with the formula and start the next with the comma. Drawn into the
        picture, formula and punctuation are one unit that cannot come apart. The
        text is drawn in the font and colour it had in the document, on the text's
        baseline (which the padding has already put the formula's baseline on)."""
        drop, rise = self._alignment_offsets()
        height = image.height() / ratio
        if alignment == QTextCharFormat.VerticalAlignment.AlignBaseline:
            baseline = height - drop   # Qt puts the picture's bottom at the descent line
        else:
            baseline = height / 2 + rise
        dpi = self.logicalDpiY()
        sides = []
        for text, fmt in (lead, trail):
            # A format's font has none of its attributes marked as set, and QPainter
            # fills unset ones from the application font (9 pt, not the text's
            # 11.5 pt); a font rebuilt from its description has them all set.
            font = QFont(self._font)
            if fmt is not None:
                font.fromString(fmt.font().toString())
            metrics = QFontMetricsF(font, self)
            sides.append((text, fmt, font, metrics))
        ascent = max((m.ascent() for text, _f, _font, m in sides if text), default=0.0)
        descent = max((m.descent() for text, _f, _font, m in sides if text), default=0.0)
        need_top = max(0.0, ascent - baseline)
        need_bottom = max(0.0, descent - (height - baseline))
        if alignment == QTextCharFormat.VerticalAlignment.AlignBaseline:
            pad_top, pad_bottom = math.ceil(need_top * ratio), 0
        else:  # a middle-aligned picture must grow evenly to keep its centre
            pad_top = pad_bottom = math.ceil(max(need_top, need_bottom) * ratio)
        widths = [math.ceil(m.horizontalAdvance(text) * ratio) if text else 0
                  for text, _f, _font, m in sides]

        canvas = QImage(widths[0] + image.width() + widths[1],
                        pad_top + image.height() + pad_bottom,
                        QImage.Format.Format_ARGB32_Premultiplied)
        canvas.fill(0)
        dots_per_metre = round(dpi / 0.0254)  # fonts sized as on the screen
        canvas.setDotsPerMeterX(dots_per_metre)
        canvas.setDotsPerMeterY(dots_per_metre)
        painter = QPainter(canvas)
        painter.drawImage(widths[0], pad_top, image)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(ratio, ratio)
        y = pad_top / ratio + baseline
        for (text, fmt, font, _m), x in zip(sides, (0.0, (widths[0] + image.width()) / ratio)):
            if not text:
                continue
            painter.setFont(font)
            painter.setPen(self._glue_color(fmt, block))
            painter.drawText(QPointF(x, y), text)
        painter.end()
        return canvas

    def _glue_color(self, fmt: QTextCharFormat | None, block) -> QColor:
        if fmt is not None and fmt.foreground().style() != Qt.BrushStyle.NoBrush:
            return fmt.foreground().color()
        if block.blockFormat().headingLevel():
            return QColor(_HEADING_COLOR)  # what _style gives heading text
        return self.palette().color(QPalette.ColorRole.Text)

    def _pad_for_baseline(self, image: QImage, depth: float,
                          ratio: float) -> tuple[QImage, QTextCharFormat.VerticalAlignment]:
        """Pad an inline formula so that its baseline sits on the text's baseline.

        Qt puts a baseline-aligned image's bottom edge at the font's descent line,
        so a formula that reaches no lower than that gets padding below it. A
        formula that reaches lower (a sum with limits, say) is middle-aligned
        instead: Qt centres it a fixed distance above the baseline, and padding
        moves the formula's own baseline to that spot. Both distances are measured
        from Qt rather than assumed.
        """
        baseline_drop, middle_rise = (v * ratio for v in self._alignment_offsets())
        height = image.height()
        if depth <= baseline_drop + _BASELINE_TOLERANCE * ratio:
            pad_top, pad_bottom = 0, int(round(max(0.0, baseline_drop - depth)))
            alignment = QTextCharFormat.VerticalAlignment.AlignBaseline
        else:
            diff = (height - 2 * depth) - 2 * middle_rise
            pad = int(round(abs(diff)))
            pad_top, pad_bottom = (pad, 0) if diff < 0 else (0, pad)
            alignment = QTextCharFormat.VerticalAlignment.AlignMiddle
        if pad_top == 0 and pad_bottom == 0:
            return image, alignment
        padded = QImage(image.width(), height + pad_top + pad_bottom,
                        QImage.Format.Format_ARGB32_Premultiplied)
        padded.fill(0)
        painter = QPainter(padded)
        painter.drawImage(0, pad_top, image)
        painter.end()
        return padded, alignment

    def _alignment_offsets(self) -> tuple[float, float]:
        """(how far below the baseline Qt puts a baseline-aligned image's bottom,
        how far above the baseline it centres a middle-aligned image), in logical px."""
        if self._alignment is None:
            offsets = []
            for alignment in (QTextCharFormat.VerticalAlignment.AlignBaseline,
                              QTextCharFormat.VerticalAlignment.AlignMiddle):
                probe = QTextDocument()
                probe.setDefaultFont(self._font)
                image = QImage(4, 200, QImage.Format.Format_ARGB32)
                image.fill(0)
                probe.addResource(QTextDocument.ResourceType.ImageResource, QUrl("probe:1"), image)
                fmt = QTextImageFormat()
                fmt.setName("probe:1")
                fmt.setWidth(4)
                fmt.setHeight(200)
                fmt.setVerticalAlignment(alignment)
                cursor = QTextCursor(probe)
                cursor.insertText("x")
                cursor.insertImage(fmt)
                probe.setTextWidth(400)
                probe.documentLayout().documentSize()
                line = probe.firstBlock().layout().lineAt(0)
                if not line.isValid():
                    offsets.append(0.0)
                elif alignment == QTextCharFormat.VerticalAlignment.AlignBaseline:
                    offsets.append(max(0.0, line.descent()))
                else:
                    offsets.append(max(0.0, line.ascent() - 100.0))
            self._alignment = (offsets[0], offsets[1])
        return self._alignment

    def _style(self, document: QTextDocument) -> None:
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        heading_color = QColor(_HEADING_COLOR)
        code_background = QColor(_CODE_BACKGROUND)
        cursor = QTextCursor(document)
        block = document.begin()
        while block.isValid():
            block_format = block.blockFormat()
            level = block_format.headingLevel()
            is_code = block_format.hasProperty(QTextFormat.Property.BlockCodeFence) \
                or block_format.nonBreakableLines()
            changed = True
            in_table = QTextCursor(block).currentTable() is not None
            if in_table:
                block_format.setTopMargin(0)
                block_format.setBottomMargin(0)
            elif level:
                block_format.setTopMargin({1: 4, 2: 20, 3: 14}.get(level, 10))
                block_format.setBottomMargin(6)
            elif is_code:
                block_format.setBackground(code_background)
                block_format.setLeftMargin(4)
                block_format.setTopMargin(4)
                block_format.setBottomMargin(12)
            elif block.textList() is None and block_format.alignment() != Qt.AlignmentFlag.AlignHCenter:
                block_format.setLineHeight(5, QTextBlockFormat.LineHeightTypes.LineDistanceHeight.value)
                block_format.setBottomMargin(9)
            elif block.textList() is not None:
                block_format.setLineHeight(4, QTextBlockFormat.LineHeightTypes.LineDistanceHeight.value)
                block_format.setBottomMargin(4)
            else:
                changed = False
            if changed:
                cursor.setPosition(block.position())
                cursor.setBlockFormat(block_format)

            for rng in block.textFormats():
                fmt = rng.format
                if fmt.isImageFormat():
                    continue
                char_format = QTextCharFormat()
                if level:
                    char_format.setForeground(heading_color)
                elif fmt.fontFixedPitch() or is_code:
                    char_format.setFontFamilies([mono.family()])
                    char_format.setFontPointSize(self._font.pointSizeF() * 0.92)
                    if not is_code:
                        char_format.setBackground(code_background)
                else:
                    continue
                cursor.setPosition(block.position() + rng.start)
                cursor.setPosition(block.position() + rng.start + rng.length,
                                   QTextCursor.MoveMode.KeepAnchor)
                cursor.mergeCharFormat(char_format)
            block = block.next()

        for frame in document.rootFrame().childFrames():
            if isinstance(frame, QTextTable):
                self._style_table(frame, code_background)

    @staticmethod
    def _style_table(table: QTextTable, header_background: QColor) -> None:
        table_format = table.format()
        table_format.setBorder(1)
        table_format.setBorderBrush(QColor(_TABLE_BORDER))
        table_format.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
        table_format.setBorderCollapse(True)
        table_format.setCellPadding(6)
        table_format.setCellSpacing(0)
        table_format.setTopMargin(4)
        table_format.setBottomMargin(12)
        # 100% plus the border would be a pixel wider than the page (a needless scroll bar)
        table_format.setWidth(QTextLength(QTextLength.Type.PercentageLength, 99.5))
        table.setFormat(table_format)
        for row in range(table.rows()):
            for column in range(table.columns()):
                cell = table.cellAt(row, column)
                cell_format = cell.format().toTableCellFormat()
                cell_format.setVerticalAlignment(QTextCharFormat.VerticalAlignment.AlignMiddle)
                if row == 0:
                    cell_format.setBackground(header_background)
                cell.setFormat(cell_format)


def _open_web_link(url: QUrl) -> None:
    if url.scheme() in ("http", "https"):
        QDesktopServices.openUrl(url)


# Text that touches an inline formula and must stay on its line: punctuation and
# word characters after it ("$n_H$,", "$L$-layer", "$W$'s"), an opening bracket or
# quote before it. Markdown syntax characters (*, _, [, `, \\, <, &, !) are never
# glue, so taking the glue out of the text afterwards cannot change how the
# markdown reads.
_TRAILING_GLUE = re.compile(r"^(?:[^\W_]|[.,;:?)'\u2019\u201d\"%\-])+")
_LEADING_GLUE = re.compile(r"(?<!\])[(\u2018\u201c]+$")


def _touching_text(pieces: list, index: int) -> tuple[str, str]:
    """The glue text right before and right after the formula ``pieces[index]``."""
    lead = trail = ""
    if index > 0 and isinstance(pieces[index - 1], str):
        match = _LEADING_GLUE.search(pieces[index - 1])
        lead = match.group(0) if match else ""
    if index + 1 < len(pieces) and isinstance(pieces[index + 1], str):
        match = _TRAILING_GLUE.match(pieces[index + 1])
        trail = match.group(0) if match else ""
    return lead, trail


def _code_fallback(formula: Formula) -> str:
    latex = formula.latex
    if not formula.display:
        # raw LaTeX standing in for an inline formula is still one symbol: no line
        # break at its spaces ("f \times f" must not end a line with "f \times")
        latex = latex.replace(" ", "\u00a0")
    longest = max((len(m) for m in re.findall(r"`+", latex)), default=0)
    if formula.display:
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}\n{latex}\n{fence}\n\n"
    ticks = "`" * (longest + 1)
    return f"{ticks} {latex} {ticks}"
