"""The door refuses rather than misnames: when may a face be given a resident's name?

The encoder's threshold (0.6 for dlib) says "these two faces may be one person". On the
course's 96x96 photos that is not safe enough for a door: two residents' photos sit
0.5 apart, and a blurred, small or JPEG-crushed face drifts under the threshold of the
wrong one (bertrand's camera shot at JPEG 20 came out nearest to andrew). Face
recognition systems that must not let the wrong person in add three checks, and so
does the door (measured in benchmarks/door_safety.py):

- the face must be good enough to judge (``face_quality``): at least MIN_FACE_SIDE
  pixels, not blurred flat, not broken into 8x8 JPEG blocks;
- the best resident must be clearly inside the threshold (SURE_GAP under it) and
  clearly nearer than the second-best resident (MARGIN: a ratio-test style margin);
- the door itself wants the same name in several results in a row (engine/faces/door.py).

A face that fails a check is "not sure": no name, and one sentence saying why, so the
person steps closer or looks at the camera.
"""
from __future__ import annotations

from engine.faces.face_quality import FaceQuality

# Chosen on the course's camera shots and resident photos, perturbed (light, blur,
# rotation, scale, mirror, JPEG 10-50), with every resident left out in turn as an
# impostor: these give 0 wrong names and still name 90% of the unperturbed and mildly
# perturbed camera shots (benchmarks/README.md, "Door safety").
SURE_GAP = 0.10
MARGIN = 0.10
MIN_FACE_SIDE = 24
MIN_SHARPNESS = 0.002
MAX_BLOCK_DAMAGE = 0.12    # FaceQuality.block_damage


def quality_problem(quality: FaceQuality | None) -> str | None:
    """Why this face is too poor to name anyone, or None."""
    if quality is None:   # not measured: an encoder of something other than faces
        return None
    if quality.side < MIN_FACE_SIDE:
        return "the face is too small; step closer"
    if quality.block_damage > MAX_BLOCK_DAMAGE:
        return "the picture is too compressed (JPEG blocks)"
    if quality.sharpness < MIN_SHARPNESS:
        return "the picture is too blurred"
    return None


def judge(best: tuple[str | None, float], second: tuple[str | None, float],
          threshold: float, quality: FaceQuality | None = None, *,
          sure_gap: float = SURE_GAP, margin: float = MARGIN
          ) -> tuple[str | None, str | None]:
    """(name to give, why not sure). ``best`` and ``second`` are the nearest and the
    second-nearest *other* resident with their distances.

    (name, None): sure. (None, sentence): someone may be there but the door is not
    sure who. (None, None): nobody within the threshold.
    """
    name, distance = best
    if name is None or not distance < threshold:
        return None, None
    problem = quality_problem(quality)
    if problem:
        return None, f"Not sure who this is: {problem}."
    if distance >= threshold - sure_gap:
        return None, (f"Not sure: {name} is only at {distance:.2f}, too near the "
                      f"threshold {threshold:.2f}.")
    other, other_distance = second
    if other is not None and other_distance - distance < margin:
        return None, (f"Not sure: {name} ({distance:.2f}) or {other} "
                      f"({other_distance:.2f})?")
    return name, None
