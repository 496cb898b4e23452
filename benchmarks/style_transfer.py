"""Style transfer: seconds per iteration of the lesson path vs a bare tf.function loop.

    python benchmarks/style_transfer.py [--iterations 6] [--rounds 2]
        [--compare embedded,vgg19] [--networks embedded,vgg19]
        [--memory-sizes 400x300,800x600]

For each network (the embedded random multi-scale one, and VGG-19 with random
weights, which costs the same as with real ones) at 400x300, in one process:

- *bare*: one ``tf.function`` step written out here (forward to the content and
  style layers, the course's costs, ``GradientTape``, Adam), called in a Python loop;
- *lesson*: the lesson run itself on a Job (``engine/lesson_runs/
  neural_style_transfer.py``: checkpoint, live settings, the painter's step, the
  course's print points with their saved pictures, and a snapshot carrying the
  uint8 picture every iteration), timed between consecutive progress events.

The two alternate for ``--rounds`` rounds (so a change in the machine's load hits
both) and the medians of the per-iteration times after the first (tracing) one are
compared: ``ratio`` = lesson / bare (target <= 1.10), and the same in process CPU
seconds (``cpu_ratio``), which other jobs on a shared machine disturb less. Peak
memory (VmHWM) is measured in a fresh process per network and size, two iterations.
Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _network(kind: str):
    if kind == "vgg19":
        from engine.keras_models.vgg19 import random_vgg19_network
        return random_vgg19_network()
    from engine.keras_models.random_features import RandomFeatureNetwork
    return RandomFeatureNetwork()


def _pictures(height: int, width: int):
    import numpy as np
    from engine.keras_models.style_painting import fit_picture
    from engine.lesson_runs.neural_style_transfer import read_picture
    content = fit_picture(read_picture("", "content")[0], height, width)
    style = fit_picture(read_picture("", "style")[0], height, width)
    return np.asarray(content), np.asarray(style)


def bare_loop(network, content, style, iterations: int) -> list[float]:
    """Seconds of each of ``iterations`` plain tf.function Adam steps."""
    import numpy as np
    import tensorflow as tf
    from engine.keras_models.style_transfer import (CONTENT_LAYER, STYLE_LAYERS,
                                                    generate_noise_image,
                                                    reshape_and_normalize_image)
    names = [CONTENT_LAYER] + [n for n, _ in STYLE_LAYERS]
    names = [network.resolve(n) for n in names]
    C = tf.constant(reshape_and_normalize_image(content), tf.float32)
    S = tf.constant(reshape_and_normalize_image(style), tf.float32)
    a_C = network(C, [names[0]])[names[0]]

    def gram(a):
        A = tf.reshape(a, [-1, a.shape[-1]])
        return tf.matmul(A, A, transpose_a=True)

    style_out = network(S, names[1:])
    targets = [gram(style_out[n]) for n in names[1:]]
    image = tf.Variable(generate_noise_image(reshape_and_normalize_image(content), seed=1))
    opt = tf.keras.optimizers.Adam(2.0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            out = network(image, names)
            a = out[names[0]]
            _, h, w, c = a.shape
            J_content = tf.reduce_sum(tf.square(a - a_C)) / (4.0 * h * w * c)
            J_style = 0.0
            for name, target in zip(names[1:], targets):
                g = out[name]
                _, h, w, c = g.shape
                J_style += 0.2 * tf.reduce_sum(tf.square(gram(g) - target)) / \
                    (4.0 * c * c * (h * w) ** 2)
            J = 10.0 * J_content + 40.0 * J_style
        opt.apply_gradients([(tape.gradient(J, image), image)])
        return J

    times, cpu = [], []
    for _ in range(iterations):
        t0, c0 = time.perf_counter(), time.process_time()
        float(step())
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu


def lesson_loop(network_kind: str, content, style, iterations: int) -> list[float]:
    """Seconds between consecutive progress events of the lesson run on a Job."""
    from engine.jobs import Job
    from engine.keras_models.style_networks import NETWORK_EMBEDDED, NETWORK_VGG19
    from engine.lessons import get_lesson
    lesson = get_lesson("neural-style-transfer")
    settings = lesson.make_settings({
        "num_iterations": iterations, "size": max(content.shape[:2]),
        "network": NETWORK_VGG19 if network_kind == "vgg19" else NETWORK_EMBEDDED,
        "output_dir": tempfile.mkdtemp(prefix="nst-bench-")})
    stamps, cpu = [], []

    def listen(event):
        if event.kind == "progress":
            stamps.append(time.perf_counter())
            cpu.append(time.process_time())

    data = {"content": content, "styles": [style], "style_weights": [1.0]}
    t0, c0 = time.perf_counter(), time.process_time()
    job = Job(lesson, settings, listen, dataset=data).run_here()
    if job.error:
        raise SystemExit(job.error)
    return ([stamps[0] - t0] + [b - a for a, b in zip(stamps, stamps[1:])],
            [cpu[0] - c0] + [b - a for a, b in zip(cpu, cpu[1:])])


def _median(values):
    values = sorted(values)
    n = len(values)
    return (values[n // 2] + values[(n - 1) // 2]) / 2 if n else None


def compare(kind: str, iterations: int, rounds: int, height: int, width: int) -> dict:
    content, style = _pictures(height, width)
    if kind == "vgg19":
        # the lesson finds VGG-19 through the weights registry: give it the same random
        # network the bare loop uses
        from engine.keras_models import style_networks
        network = _network(kind)
        chosen = style_networks.ChosenNetwork(network, "vgg19", "VGG-19 (random weights)")
        style_networks.default_network = lambda choice=None: chosen
    else:
        network = _network(kind)
    bare, lesson, bare_cpu, lesson_cpu = [], [], [], []
    for _ in range(rounds):
        wall, cpu = bare_loop(network, content, style, iterations)
        bare += wall[1:]
        bare_cpu += cpu[1:]
        wall, cpu = lesson_loop(kind, content, style, iterations)
        lesson += wall[1:]
        lesson_cpu += cpu[1:]
    b, l = _median(bare), _median(lesson)
    bc, lc = _median(bare_cpu), _median(lesson_cpu)
    return {"network": kind, "size": f"{width}x{height}", "iterations_timed": len(bare),
            "bare_seconds_per_iteration": round(b, 4),
            "lesson_seconds_per_iteration": round(l, 4),
            "ratio": round(l / b, 3),
            # process CPU seconds: much less disturbed by other jobs on the machine
            "bare_cpu_seconds_per_iteration": round(bc, 4),
            "lesson_cpu_seconds_per_iteration": round(lc, 4),
            "cpu_ratio": round(lc / bc, 3),
            "parameters": network.count_params()}


def high_water_kb() -> int:
    """This process's peak resident memory (VmHWM, kB). Not ``ru_maxrss``: a child
    started from a big parent inherits the parent's peak in it."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_memory(kind: str, height: int, width: int) -> dict:
    """A fresh process paints two iterations; its peak resident memory."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import benchmarks.style_transfer as b\n"
            "c, s = b._pictures(%d, %d)\n"
            "b.bare_loop(b._network(%r), c, s, 2)\n"
            "print(b.high_water_kb())\n"
            % (str(ROOT), height, width, kind))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=3600)
    if out.returncode:
        return {"network": kind, "size": f"{width}x{height}",
                "error": out.stderr.strip().splitlines()[-1:]}
    kb = int(out.stdout.strip().splitlines()[-1])
    return {"network": kind, "size": f"{width}x{height}", "peak_rss_mb": round(kb / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--networks", default="embedded,vgg19",
                        help="networks whose peak memory is measured")
    parser.add_argument("--compare", default="embedded,vgg19",
                        help="networks timed lesson vs bare ('' to skip)")
    parser.add_argument("--memory-sizes", default="400x300,800x600")
    args = parser.parse_args()
    os.environ.setdefault("DL_PLAYGROUND_USER_DIR", tempfile.mkdtemp(prefix="nst-user-"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    report = {"benchmark": "style_transfer", "cpu_count": os.cpu_count(),
              "load_average_before": os.getloadavg()[0], "comparisons": [], "memory": []}
    for kind in filter(None, args.compare.split(",")):
        report["comparisons"].append(compare(kind, args.iterations, args.rounds, 300, 400))
    for size in filter(None, args.memory_sizes.split(",")):
        width, height = (int(v) for v in size.split("x"))
        for kind in args.networks.split(","):
            report["memory"].append(peak_memory(kind, height, width))
    report["load_average_after"] = os.getloadavg()[0]
    report["this_process_peak_rss_mb"] = round(high_water_kb() / 1024)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
