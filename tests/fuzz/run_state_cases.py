"""Worker of test_hostile_state.py: ``python tests/fuzz/run_state_cases.py FOLDER OUT ID...``.

Runs each case of ``state_cases`` in its own sub-folder under an address-space limit
(this process's size after imports + HEADROOM), so that reading what a bomb declares
fails with MemoryError instead of swapping, and under ``signal.alarm`` so a FIFO that
blocks is a failure, not a hung test. One JSON line per case in OUT.
"""
from __future__ import annotations

import json
import resource
import signal
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

HEADROOM = 768 << 20
CASE_SECONDS = 30


class Hung(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hung("the case did not finish in time (blocked?)")


def main() -> None:
    folder, out, ids = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    import h5py  # noqa: F401 - imported before the limit is measured
    import numpy  # noqa: F401

    import engine.keras_models.h5_weights  # noqa: F401
    import engine.keras_models.happy_door_weights  # noqa: F401
    import engine.lessons  # noqa: F401
    import engine.run_history  # noqa: F401
    import state_cases
    with open("/proc/self/statm") as fh:
        size = int(fh.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (size + HEADROOM, size + HEADROOM))
    signal.signal(signal.SIGALRM, _alarm)
    with open(out, "a") as fh:
        for case_id in ids:
            signal.alarm(CASE_SECONDS)
            row = state_cases.run_case(case_id, folder / case_id.replace(":", "-"))
            signal.alarm(0)
            fh.write(json.dumps(row) + "\n")
            fh.flush()


if __name__ == "__main__":
    main()
