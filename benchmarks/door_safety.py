"""Door safety: how often the door names the wrong person, before and after the checks
of engine/faces/door_safety.py (quality gate, sure distance, margin to the runner-up).

    python benchmarks/door_safety.py [--faces ../shared/datasets/faces]

Probes: the course's 5 camera shots and 12 resident photos, each in 23 versions (the
original, mirror, light, blur, rotation, scale, JPEG 10-50; "mild" ones marked), found
and encoded as the door does (``locate_scaled`` + the embedded dlib encoder).

- genuine: all 12 residents enrolled; the right answer is the person shown.
- impostor: the person shown is left out of the residents; any name is wrong.

Each probe is judged twice: "threshold only" (the nearest resident under the encoder's
threshold 0.6, as before) and "door" (``door_safety.judge``). Reported: wrong names,
right names, refusals ("not sure" / unknown / no face), per perturbation and in total,
and the share of the unperturbed + mildly perturbed camera shots named correctly.
Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.faces import door_safety, face_quality  # noqa: E402
from engine.faces.dlib_encoder import DlibEncoder  # noqa: E402
from engine.faces.images import read_image  # noqa: E402
from engine.faces.recognition import DETECT_SIDE, locate_scaled  # noqa: E402

RESIDENTS = ("andrew", "arnaud", "benoit", "bertrand", "dan", "danielle", "felix",
             "kevin", "kian", "sebastiano", "tian", "younes")
CAMERA_SHOTS = {"camera_0": "younes", "camera_1": "bertrand", "camera_2": "benoit",
                "camera_3": "bertrand", "camera_5": "arnaud"}


def _cv2():
    import cv2
    return cv2


def levels(image, gain, offset=0.0):
    return np.clip(image.astype(np.float64) * gain + offset, 0, 255).astype(np.uint8)


def blur(image, sigma):
    return _cv2().GaussianBlur(image, (0, 0), sigma)


def rotate(image, degrees):
    cv2 = _cv2()
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def scale(image, factor):
    cv2 = _cv2()
    h, w = image.shape[:2]
    return cv2.resize(image, (round(w * factor), round(h * factor)),
                      interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


def jpeg(image, quality):
    cv2 = _cv2()
    ok, data = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1].copy()


# name -> (mild?, function)
PERTURBATIONS = {
    "original": (True, lambda im: im),
    "mirror": (True, lambda im: np.ascontiguousarray(im[:, ::-1])),
    "dim0.7": (True, lambda im: levels(im, 0.7)),
    "bright1.2": (True, lambda im: levels(im, 1.2, 20)),
    "blur0.7": (True, lambda im: blur(im, 0.7)),
    "tilt-6": (True, lambda im: rotate(im, -6)),
    "tilt+6": (True, lambda im: rotate(im, 6)),
    "scale0.75": (True, lambda im: scale(im, 0.75)),
    "scale1.5": (True, lambda im: scale(im, 1.5)),
    "jpeg50": (True, lambda im: jpeg(im, 50)),
    "dim0.45": (False, lambda im: levels(im, 0.45)),
    "bright1.35": (False, lambda im: levels(im, 1.35, 40)),
    "blur1.5": (False, lambda im: blur(im, 1.5)),
    "blur2.5": (False, lambda im: blur(im, 2.5)),
    "tilt-15": (False, lambda im: rotate(im, -15)),
    "tilt+15": (False, lambda im: rotate(im, 15)),
    "tilt-25": (False, lambda im: rotate(im, -25)),
    "tilt+25": (False, lambda im: rotate(im, 25)),
    "scale0.5": (False, lambda im: scale(im, 0.5)),
    "scale2": (False, lambda im: scale(im, 2.0)),
    "jpeg10": (False, lambda im: jpeg(im, 10)),
    "jpeg20": (False, lambda im: jpeg(im, 20)),
    "jpeg30": (False, lambda im: jpeg(im, 30)),
}


def picture(folder: Path, name: str) -> Path:
    return folder / (f"{name}.png" if name == "danielle" else f"{name}.jpg")


def two_nearest(distances: dict[str, float], left_out: str | None):
    ranked = sorted((d, n) for n, d in distances.items() if n != left_out)
    return (ranked[0][1], ranked[0][0]), (ranked[1][1], ranked[1][0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faces", default=str(ROOT.parent / "shared" / "datasets" / "faces"))
    args = parser.parse_args()
    folder = Path(args.faces)
    encoder = DlibEncoder()
    threshold = encoder.threshold
    roster = {n: encoder.encode_single(read_image(picture(folder, n))) for n in RESIDENTS}
    sources = [(s, CAMERA_SHOTS[s], folder / f"{s}.jpg") for s in CAMERA_SHOTS] + \
              [(n, n, picture(folder, n)) for n in RESIDENTS]
    started = time.perf_counter()
    probes = []
    for source, person, path in sources:
        original = read_image(path)
        for label, (mild, perturb) in PERTURBATIONS.items():
            image = perturb(original)
            boxes = locate_scaled(image, encoder, DETECT_SIDE)
            if not boxes:
                probes.append((source, person, label, mild, None, None))
                continue
            box = max(boxes, key=lambda b: b.area)   # the door judges the largest face
            encoding = encoder.encode_faces(image, [box])[0]
            distances = {n: float(np.linalg.norm(encoding - e)) for n, e in roster.items()}
            probes.append((source, person, label, mild, distances,
                           face_quality.measure(image, box)))
    seconds = time.perf_counter() - started

    policies = {
        "threshold only": lambda best, second, quality: (
            best[0] if best[1] < threshold else None, None),
        "door": lambda best, second, quality: door_safety.judge(best, second, threshold,
                                                                quality),
    }
    report = {"probes": 2 * len(probes), "encode_seconds": round(seconds, 1),
              "threshold": threshold,
              "door_settings": {"sure_gap": door_safety.SURE_GAP,
                                "margin": door_safety.MARGIN,
                                "min_face_side": door_safety.MIN_FACE_SIDE,
                                "min_sharpness": door_safety.MIN_SHARPNESS,
                                "max_block_damage": door_safety.MAX_BLOCK_DAMAGE},
              "policies": {}}
    for policy_name, policy in policies.items():
        table: dict[str, dict[str, int]] = {}
        totals = {"genuine_right": 0, "genuine_wrong": 0, "genuine_refused": 0,
                  "impostor_wrong": 0, "impostor_refused": 0}
        camera_mild = [0, 0]
        camera_all = [0, 0]
        for source, person, label, mild, distances, quality in probes:
            row = table.setdefault(label, {"right": 0, "wrong": 0, "refused": 0,
                                           "impostor_wrong": 0, "impostor_refused": 0})
            for kind, left_out in (("genuine", None), ("impostor", person)):
                if distances is None:
                    name = None
                else:
                    name, _why = policy(*two_nearest(distances, left_out), quality)
                if kind == "genuine":
                    outcome = "refused" if name is None else \
                        "right" if name == person else "wrong"
                    row[outcome] += 1
                    totals[f"genuine_{outcome}"] += 1
                    if source.startswith("camera"):
                        camera_all[0] += name == person
                        camera_all[1] += 1
                        if mild:
                            camera_mild[0] += name == person
                            camera_mild[1] += 1
                else:
                    outcome = "refused" if name is None else "wrong"
                    row[f"impostor_{outcome}"] += 1
                    totals[f"impostor_{outcome}"] += 1
        report["policies"][policy_name] = {
            "wrong_names": totals["genuine_wrong"] + totals["impostor_wrong"],
            **totals,
            "camera_shots_unperturbed_or_mild_named_right": round(
                camera_mild[0] / camera_mild[1], 3),
            "camera_shots_all_named_right": round(camera_all[0] / camera_all[1], 3),
            "per_perturbation": table,
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
