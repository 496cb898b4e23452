"""What each step of YOLO's pipeline looks like: ``YoloStages`` -> boxes to draw and a
line of explanation. Plain data in, plain data out (no widgets), so the viewer stays a
thin layer and the step-through can be tested without painting.

The steps, in the order the step-through walks them:

- ``grid``: the S x S grid; a chosen cell shows its A anchor boxes with p_c and the
  best class scores;
- ``classes``: every cell tinted by the class with the highest p_c x c_i among its
  anchors (the course's first picture);
- ``all``: every candidate box before filtering (the course's second picture);
- ``filtered``: the boxes whose score passes the threshold;
- ``nms``: non-max suppression, round by round: the box kept and the boxes it removes
  with their IoU;
- ``final``: the boxes ``yolo_eval`` returns.
"""
from __future__ import annotations

import numpy as np

from playground.panels.detection_canvas import DrawnBox

STEPS = ("grid", "classes", "all", "filtered", "nms", "final")
STEP_TITLES = {"grid": "1. The grid and each cell's anchors",
               "classes": "2. Most likely class in each cell",
               "all": "3. All boxes, before filtering",
               "filtered": "4. After the score filter",
               "nms": "5. Non-max suppression, box by box",
               "final": "6. Final boxes"}
SUPPRESSED = (230, 40, 40)
# the "all boxes" picture draws at most this many (the highest scores): thousands of
# hairlines say no more than a few hundred and cost a slow repaint
MAX_ALL_BOXES = 600


def _label(names, cls, score) -> str:
    return f"{names[int(cls)]} {float(score):.2f}"


def final_boxes(stages, names, colors) -> list[DrawnBox]:
    return [DrawnBox(tuple(stages.boxes[i]), colors[int(stages.classes[i])],
                     _label(names, stages.classes[i], stages.scores[i]))
            for i in stages.kept]


def cell_summary(stages, candidates, names, row: int, col: int) -> tuple[list, str]:
    """The A boxes one cell predicts, and a line per anchor: p_c and the best classes."""
    idx = stages.cell_boxes(row, col)
    boxes, lines = [], [f"<b>Cell (row {row}, column {col})</b>: its "
                        f"{stages.num_anchors} anchor boxes"]
    for anchor, i in enumerate(idx):
        probs = candidates.class_probs[i] * candidates.confidence[i]
        top = np.argsort(-probs)[:3]
        best = ", ".join(f"{names[int(k)]} {probs[k]:.2f}" for k in top)
        lines.append(f"anchor {anchor + 1}: p<sub>c</sub> = {stages.confidence[i]:.2f}; "
                     f"p<sub>c</sub>&times;c<sub>i</sub>: {best}")
        boxes.append(DrawnBox(tuple(stages.boxes[i]), (255, 235, 59),
                              f"a{anchor + 1} {stages.confidence[i]:.2f}",
                              "solid" if stages.confidence[i] >= 0.5 else "dashed"))
    return boxes, "<br>".join(lines)


def view(step: str, stages, candidates, names, colors, nms_round: int = 0,
         cell: tuple[int, int] | None = None) -> dict:
    """Everything the canvas needs for one step: ``boxes``, ``grid``, ``cell_colors``,
    ``highlight`` and ``text`` (one short paragraph of HTML)."""
    out = {"boxes": [], "grid": None, "cell_colors": None, "highlight": None, "text": ""}
    rows, cols = stages.grid_shape
    total = len(stages.scores)
    if step == "grid":
        out["grid"] = stages.grid_shape
        out["text"] = (f"The picture is cut into a {rows}&times;{cols} grid; each cell "
                       f"predicts {stages.num_anchors} boxes (one per anchor shape): "
                       f"{rows}&times;{cols}&times;{stages.num_anchors} = {total:,} "
                       "boxes in all. Hover over or click a cell to see its anchors.")
        if cell is not None:
            out["boxes"], out["text"] = cell_summary(stages, candidates, names, *cell)
            out["highlight"] = cell
    elif step == "classes":
        class_map = candidates.cell_class_map()
        out["grid"] = stages.grid_shape
        out["cell_colors"] = np.asarray(colors, np.uint8)[class_map]
        present = sorted(set(class_map.ravel().tolist()))
        out["text"] = ("Each cell is coloured by the class with the highest "
                       "p<sub>c</sub>&times;c<sub>i</sub> among its anchors: "
                       + ", ".join(f"<span style='color:rgb{tuple(colors[k])}'>&#9632;</span> "
                                   f"{names[k]}" for k in present) + ".")
        if cell is not None:
            out["highlight"] = cell
    elif step == "all":
        order = np.argsort(-stages.scores)[:MAX_ALL_BOXES]
        out["boxes"] = [DrawnBox(tuple(stages.boxes[i]), colors[int(stages.classes[i])],
                                 style="faint") for i in order]
        shown = "" if total <= MAX_ALL_BOXES else \
            f" (the {MAX_ALL_BOXES} with the highest scores are drawn)"
        out["text"] = (f"All {total:,} boxes the network outputs, coloured by their best "
                       f"class{shown}: far too many. Most have a tiny score.")
    elif step == "filtered":
        out["boxes"] = [DrawnBox(tuple(stages.boxes[i]), colors[int(stages.classes[i])],
                                 _label(names, stages.classes[i], stages.scores[i]))
                        for i in stages.after_filter]
        out["text"] = (f"{len(stages.after_filter):,} of {total:,} boxes have a score "
                       "p<sub>c</sub>&times;c<sub>i</sub> at or above the threshold. "
                       "Several still cover the same object.")
    elif step == "nms":
        out.update(_nms_view(stages, names, colors, nms_round))
    else:
        out["boxes"] = final_boxes(stages, names, colors)
        out["text"] = f"{len(stages.kept)} boxes remain after non-max suppression."
    return out


def _nms_view(stages, names, colors, nms_round: int) -> dict:
    steps = stages.nms_steps
    if not steps:
        return {"boxes": [], "text": "No box passed the score filter: nothing to suppress."}
    k = max(0, min(nms_round, len(steps) - 1))
    step = steps[k]
    removed = set()
    for s in steps[:k]:
        removed.update(int(i) for i in s.suppressed)
    earlier = [s.kept for s in steps[:k]]
    waiting = [int(i) for i in stages.after_filter
               if int(i) not in removed and int(i) not in earlier and int(i) != step.kept
               and int(i) not in set(int(j) for j in step.suppressed)]
    boxes = [DrawnBox(tuple(stages.boxes[i]), colors[int(stages.classes[i])], style="faint")
             for i in waiting]
    boxes += [DrawnBox(tuple(stages.boxes[i]), colors[int(stages.classes[i])],
                       _label(names, stages.classes[i], stages.scores[i])) for i in earlier]
    boxes += [DrawnBox(tuple(stages.boxes[int(i)]), SUPPRESSED, f"IoU {iou:.2f}", "dashed")
              for i, iou in zip(step.suppressed, step.suppressed_iou)]
    boxes.append(DrawnBox(tuple(stages.boxes[step.kept]), colors[int(stages.classes[step.kept])],
                          "keep " + _label(names, stages.classes[step.kept], step.kept_score),
                          "kept"))
    if len(step.suppressed):
        ious = ", ".join(f"{v:.2f}" for v in step.suppressed_iou[:8])
        more = "…" if len(step.suppressed) > 8 else ""
        gone = (f"it removes {len(step.suppressed)} box(es) overlapping it by more "
                f"than the IoU threshold (IoU {ious}{more}, dashed red)")
    else:
        gone = "no remaining box overlaps it by more than the IoU threshold"
    text = (f"Round {k + 1} of {len(steps)}: the best remaining box, "
            f"<b>{_label(names, stages.classes[step.kept], step.kept_score)}</b>, is kept; "
            f"{gone}. Faint: boxes still waiting.")
    return {"boxes": boxes, "text": text}
