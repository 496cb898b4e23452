"""design.md's rule: nothing under engine/ imports Qt (nor pyqtgraph, which needs it)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
GUI_MODULES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "pyqtgraph", "shiboken6")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module


def test_no_engine_module_imports_qt():
    offenders = [f"{p.relative_to(ENGINE.parent)}:{line} imports {name}"
                 for p in ENGINE.rglob("*.py") for line, name in _imports(p)
                 if name.split(".")[0] in GUI_MODULES]
    assert not offenders, "\n".join(offenders)


def test_checker_catches_a_qt_import(tmp_path):
    # The check above must be able to fail: feed it a module that imports Qt.
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\n")
    assert any(name.startswith("PySide6") for _, name in _imports(bad))


def test_running_every_lesson_module_loads_no_qt():
    # Import every engine module in a fresh interpreter and check sys.modules,
    # which also catches an indirect import through a third-party package.
    code = ("import sys, pkgutil, importlib, engine\n"
            "from engine.lessons import all_lessons\n"
            "all_lessons()\n"
            "for m in pkgutil.walk_packages(engine.__path__, 'engine.'):\n"
            "    importlib.import_module(m.name)\n"
            f"bad = [m for m in sys.modules if m.split('.')[0] in {GUI_MODULES!r}]\n"
            "assert not bad, bad\n"
            "assert 'tensorflow' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ENGINE.parent,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
