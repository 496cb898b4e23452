"""Train the embedded car detector shipped in weights/car_detector/.

    nice python weights/train_car_detector.py --minutes 35

Fresh procedural road scenes every epoch, YOLOv2 loss (YAD2K's four terms), Adam with
a cosine learning-rate decay over the wall-clock budget. After every epoch it measures
AP@0.5 per class on the fixed held-out scenes, logs a JSON line, and keeps the
weights of the best mAP so far with a JSON of how they were trained.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from engine.keras_models import car_detector as cd  # noqa: E402
from engine.keras_models import car_detector_training as tr  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=35.0)
    parser.add_argument("--scenes", type=int, default=512, help="scenes per epoch")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--held-out", type=int, default=300)
    parser.add_argument("--out", type=Path, default=cd.SHIPPED_DIR)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import tensorflow as tf
    tf.random.set_seed(0)
    start = time.time()
    info_path = args.out / "car_detector.json"
    model = cd.build_car_detector()
    if args.resume and info_path.exists():
        info = json.loads(info_path.read_text())
        anchors = np.array(info["anchors"], np.float32)
        model.load_weights(args.out / "car_detector.weights.h5")
        first_epoch = info["epochs"]
        scenes_seen = info["training_scenes"]
    else:
        anchors = tr.anchors_from_scenes()
        first_epoch, scenes_seen = 0, 0
    print(json.dumps({"anchors": anchors.round(3).tolist(),
                      "params": int(model.count_params())}), flush=True)
    held_out = tr.held_out_scenes(args.held_out)
    trainer = tr.DetectorTrainer(model, anchors, args.lr)
    budget = args.minutes * 60
    best = -1.0
    epoch = first_epoch
    while time.time() - start < budget:
        t0 = time.time()
        frac = min((time.time() - start) / budget, 1.0)
        lr = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        if epoch == 0:
            lr *= 0.3   # a gentler first epoch while batch norm statistics settle
        trainer.set_learning_rate(lr)
        sums = dict.fromkeys(tr.LOSS_TERMS, 0.0)
        n = 0
        for batch in tr.batches(epoch, args.scenes, args.batch, anchors):
            for k, v in trainer.train_batch(batch).items():
                sums[k] += v
            n += 1
        epoch += 1
        scenes_seen += args.scenes
        train_s = time.time() - t0
        result = tr.evaluate(model, anchors, held_out)
        line = {"epoch": epoch, "lr": round(lr, 6), "train_s": round(train_s, 1),
                "elapsed_min": round((time.time() - start) / 60, 2),
                "loss": {k: round(v / n, 4) for k, v in sums.items()},
                "ap": {k: (None if v is None else round(v, 4)) for k, v in result["ap"].items()},
                "map": round(result["map"], 4)}
        print(json.dumps(line), flush=True)
        model.save_weights(args.out / "last.weights.h5")
        if result["map"] > best:
            best = result["map"]
            model.save_weights(args.out / "car_detector.weights.h5")
            info_path.write_text(json.dumps({
                "architecture": "engine.keras_models.car_detector.build_car_detector",
                "input_size": cd.INPUT_SIZE, "grid": cd.GRID,
                "classes": list(cd.CLASS_NAMES), "anchors": anchors.round(5).tolist(),
                "params": int(model.count_params()),
                "data": "procedural road scenes (engine/data/road_scenes.py training_scene),"
                        f" {args.scenes} fresh scenes per epoch",
                "epochs": epoch, "training_scenes": scenes_seen,
                "batch_size": args.batch, "optimizer": f"Adam, lr {args.lr} cosine decay",
                "loss": "YOLOv2 (YAD2K yolo_loss: coordinates, objectness, no-object, class)",
                "held_out": f"{args.held_out} scenes, seeds {tr.HELD_OUT_SEED}+",
                "ap50": line["ap"], "map50": line["map"],
                "train_minutes": line["elapsed_min"]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
