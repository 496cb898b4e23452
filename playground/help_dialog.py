"""Help (F1): keyboard shortcuts, where course files and weights go, how to import."""
from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from engine.data.course_files import DATA_ENV, course_file_names, search_folders
from engine.weights import REGISTRY, weights_dir
from playground import data_status

SHORTCUTS = (
    ("F1", "this help"),
    ("Ctrl+L", "show or fold away the lesson list"),
    ("Ctrl+T", "show or fold away the lesson text"),
    ("Ctrl+R", "reading mode: the lesson text over the whole page (again to leave)"),
    ("Ctrl+0", "back to the welcome page"),
    ("Ctrl+I", "import course files from a folder"),
    ("Ctrl+Q", "quit"),
)


def help_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>{escape(v)}</td></tr>" for k, v in SHORTCUTS)
    folders = "".join(f"<li><code>{escape(str(f))}</code></li>" for f in search_folders())
    files = ", ".join(f"<code>{n}</code>" for n in course_file_names())
    weights = "".join(
        f"<li>{escape(d)}: {'<b>found</b>' if ok else 'not found'}. {escape(w)}</li>"
        for d, ok, w in data_status.weights_lines())
    return f"""
<h2>DL Playground</h2>
<p>Each page is one lesson of the course: its text on the left, a bench on the right
where the course's functions train live. <b>Train</b> starts, <b>Pause</b>/<b>Resume</b>
hold the run between iterations, <b>Step</b> runs one iteration while paused, <b>Stop</b>
keeps the model as it is, <b>Reset</b> clears everything. Settings marked
<span style='color:#2e7d32'>&#9679; live</span> can change while a run goes.</p>
<h3>Keyboard</h3><table cellspacing=4>{rows}</table>
<p>Drag the bar between the lesson text and the bench to make either wider.</p>
<h3>Course files</h3>
<p>The lessons use the course's data files ({files}) and its face photos (a
<code>faces/</code> folder of <code>younes.jpg</code>, <code>camera_0.jpg</code>, &hellip;).
They are looked for, first match wins, in:</p><ol>{folders}</ol>
<p>The first is the folder named by the environment variable <code>{DATA_ENV}</code>
when it is set (the tests look there too). Where a file is missing the lesson trains on a
procedural stand-in of the same shape and its page says so.</p>
<p><b>File &rarr; Import course files&hellip;</b> (Ctrl+I) takes a folder (for example
the course's <code>datasets/</code> folder), checks every file it recognises (keys,
shapes, types) and copies the good ones into the user data folder; a damaged file is
named and never replaces a good one.</p>
<h3>Pretrained weights</h3>
<p>Nothing is downloaded. Put weights files in <code>{escape(str(weights_dir()))}</code>
(see <code>weights/README.md</code> in the checkout for each file's layout):</p>
<ul>{weights}</ul>
<p>{len(REGISTRY)} kinds of weights are known. Your runs, settings and enrolled faces stay
in the user data folder; nothing leaves your computer.</p>
"""


class HelpDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("DL Playground help")
        self.setObjectName("helpDialog")
        self.resize(640, 560)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(objectName="helpText")
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(help_html())
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
