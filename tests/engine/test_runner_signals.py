"""Ctrl-C, SIGTERM and SIGHUP on ``python -m engine run`` stop the run like the Stop
button: it is recorded as stopped and the exit code is 128 + the signal."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.run_history import RunHistory

ROOT = Path(__file__).resolve().parents[2]
PLANAR = "planar-one-hidden-layer"
# The runner, with a marker file written when the job starts, so the test signals a
# run that is really going (not the imports before it).
LAUNCH = """
import sys
from pathlib import Path
from engine import jobs
from engine.__main__ import main
marker = Path(sys.argv[1])
original = jobs.Job.run_here
def run_here(self):
    marker.write_text("started")
    return original(self)
jobs.Job.run_here = run_here
sys.exit(main(sys.argv[2:]))
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def start_runner(tmp_path, *extra):
    marker = tmp_path / "started"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(marker), "run", PLANAR,
         "--set", "num_iterations=50000", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the runner never started its job"
        time.sleep(0.05)
    time.sleep(0.3)  # a few iterations in
    return process


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                         (signal.SIGHUP, 129)])
def test_a_signal_stops_the_run_and_it_is_recorded_as_stopped(tmp_path, signum, code):
    process = start_runner(tmp_path)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert "Traceback" not in err
    assert f"stopped by {signal.Signals(signum).name}" in err
    with RunHistory(Path(os.environ["DL_PLAYGROUND_USER_DIR"]) / "runs.sqlite3") as history:
        (run,) = history.runs(PLANAR)
        run = history.get(run.id)
    assert run.outcome == "stopped" and run.source == "runner"
    assert 0 < len(run.curves["cost"]) < 50000


def test_a_signal_before_the_run_starts_is_one_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # SIGTERM while the runner imports and loads: no job yet, nothing recorded.
    process = subprocess.Popen([sys.executable, "-m", "engine", "run", PLANAR],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    # Early: on a quiet machine the whole default run is over in under a second.
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    # Either the handler was not installed yet (killed by the signal) or it said so in
    # one line; never a traceback.
    assert process.returncode in (143, -signal.SIGTERM), err
    assert "Traceback" not in err
