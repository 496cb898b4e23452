"""The course's car-detection functions (lesson 3.5), TensorFlow 2 eager.

Course names, signatures and defaults: ``yolo_filter_boxes``, ``iou``,
``yolo_non_max_suppression``, ``yolo_eval``, ``predict``, with YAD2K's
``yolo_head`` and ``yolo_boxes_to_corners`` and yolo_utils' ``scale_boxes``.
The course ran them inside a TF1 session; here every function takes and returns
eager tensors (or arrays), so ``predict`` needs no ``sess``.

Shapes: a detector's raw output is an (S, S, A*(5+C)) feature map (YOLOv2's last
convolution: 19x19x425 for 5 anchors and 80 classes); ``yolo_head`` turns it into
box_confidence (.., S, S, A, 1), box_xy and box_wh (.., S, S, A, 2), in fractions of
the picture, and box_class_probs (.., S, S, A, C). Corners are (y1, x1, y2, x2).
``engine.keras_models.yolo_numpy`` holds NumPy twins that keep exactly the same boxes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.keras_models.job_callback import load_tensorflow
from engine.keras_models.yolo_utils import (COCO_CLASSES, YOLO_ANCHORS, draw_boxes,
                                            generate_colors, preprocess_image)


def _tf():
    """TensorFlow, imported on first use (importing the engine must stay light)."""
    return load_tensorflow()[0]


def yolo_head(feats, anchors, num_classes):
    """Decode the last convolution (m, S, S, A*(5+C)), or one picture's (S, S,
    A*(5+C)), as YOLOv2's region layer does:
    sigmoid offsets within the cell, exp-scaled anchors, sigmoid objectness and a
    softmax over the classes. Returns (box_confidence, box_xy, box_wh,
    box_class_probs); xy and wh are fractions of the picture's width and height."""
    tf = _tf()
    feats = tf.convert_to_tensor(feats, dtype=tf.float32)
    if feats.shape.rank == 3:        # one picture without its batch axis
        return tuple(t[0] for t in yolo_head(feats[None], anchors, num_classes))
    anchors = tf.constant(np.asarray(anchors, dtype=np.float32).reshape(1, 1, 1, -1, 2))
    num_anchors = int(anchors.shape[3])
    grid_h, grid_w = feats.shape[1], feats.shape[2]
    feats = tf.reshape(feats, [-1, grid_h, grid_w, num_anchors, num_classes + 5])
    # cell (row i, column j) holds offset (x=j, y=i): box_xy is (x, y) like the anchors
    cols, rows = tf.meshgrid(tf.range(grid_w, dtype=tf.float32),
                             tf.range(grid_h, dtype=tf.float32))
    conv_index = tf.reshape(tf.stack([cols, rows], axis=-1), [1, grid_h, grid_w, 1, 2])
    conv_dims = tf.constant([grid_w, grid_h], dtype=tf.float32)
    box_xy = (tf.sigmoid(feats[..., :2]) + conv_index) / conv_dims
    box_wh = tf.exp(feats[..., 2:4]) * anchors / conv_dims
    box_confidence = tf.sigmoid(feats[..., 4:5])
    box_class_probs = tf.nn.softmax(feats[..., 5:])
    return box_confidence, box_xy, box_wh, box_class_probs


def yolo_boxes_to_corners(box_xy, box_wh):
    """Centre and size -> corners (y_min, x_min, y_max, x_max)."""
    tf = _tf()
    box_mins = box_xy - (box_wh / 2.0)
    box_maxes = box_xy + (box_wh / 2.0)
    return tf.concat([box_mins[..., 1:2], box_mins[..., 0:1],
                      box_maxes[..., 1:2], box_maxes[..., 0:1]], axis=-1)


def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=.6):
    """Keep the boxes whose best class score p_c * c_i reaches ``threshold``.

    Returns scores (None,), boxes (None, 4) and classes (None,) of the kept boxes, in
    the grid's row-major order."""
    tf = _tf()
    box_scores = box_confidence * box_class_probs
    box_classes = tf.argmax(box_scores, axis=-1)
    box_class_scores = tf.reduce_max(box_scores, axis=-1)
    filtering_mask = box_class_scores >= threshold
    scores = tf.boolean_mask(box_class_scores, filtering_mask)
    boxes = tf.boolean_mask(boxes, filtering_mask)
    classes = tf.boolean_mask(box_classes, filtering_mask)
    return scores, boxes, classes


def iou(box1, box2):
    """Intersection over union of two corner boxes (x1, y1, x2, y2).

    The intersection's width and height are clamped at zero: for boxes that do not
    overlap both would be negative and their product a wrong positive area."""
    (box1_x1, box1_y1, box1_x2, box1_y2) = box1
    (box2_x1, box2_y1, box2_x2, box2_y2) = box2
    xi1 = max(box1_x1, box2_x1)
    yi1 = max(box1_y1, box2_y1)
    xi2 = min(box1_x2, box2_x2)
    yi2 = min(box1_y2, box2_y2)
    inter_width = max(xi2 - xi1, 0)
    inter_height = max(yi2 - yi1, 0)
    inter_area = inter_width * inter_height
    box1_area = (box1_x2 - box1_x1) * (box1_y2 - box1_y1)
    box2_area = (box2_x2 - box2_x1) * (box2_y2 - box2_y1)
    union_area = box1_area + box2_area - inter_area
    return inter_area / union_area


def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    """Greedy non-max suppression over all classes together (as the course does):
    keep the best box, drop every box overlapping it with IoU above
    ``iou_threshold``, repeat, at most ``max_boxes`` kept (best first)."""
    tf = _tf()
    nms_indices = tf.image.non_max_suppression(boxes, scores, max_boxes,
                                               iou_threshold=iou_threshold)
    scores = tf.gather(scores, nms_indices)
    boxes = tf.gather(boxes, nms_indices)
    classes = tf.gather(classes, nms_indices)
    return scores, boxes, classes


def scale_boxes(boxes, image_shape):
    """Corners in fractions of the picture -> pixels of a picture (height, width)."""
    tf = _tf()
    height = float(image_shape[0])
    width = float(image_shape[1])
    image_dims = tf.reshape(tf.constant([height, width, height, width],
                                        dtype=tf.float32), [1, 4])
    return boxes * image_dims


def yolo_eval(yolo_outputs, image_shape=(720., 1280.), max_boxes=10,
              score_threshold=.6, iou_threshold=.5):
    """yolo_head's four tensors for ONE picture -> (scores, boxes, classes) of the
    boxes kept: corners, score filter, scale to ``image_shape`` pixels, then NMS."""
    box_confidence, box_xy, box_wh, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs,
                                               threshold=score_threshold)
    boxes = scale_boxes(boxes, image_shape)
    scores, boxes, classes = yolo_non_max_suppression(scores, boxes, classes,
                                                      max_boxes=max_boxes,
                                                      iou_threshold=iou_threshold)
    return scores, boxes, classes


def predict(image_file, yolo_model=None, class_names=None, anchors=None,
            out_dir="out", max_boxes=10, score_threshold=.6, iou_threshold=.5):
    """Run the detector on a picture, print ``Found N boxes for NAME`` and one line per
    box (``car 0.89 (367, 300) (745, 648)``), save the annotated picture as
    ``out_dir/NAME`` (JPEG quality 90, as the course) and return
    (out_scores, out_boxes, out_classes) as NumPy arrays.

    ``yolo_model`` defaults to the learner's YOLOv2 weights from the registry (a
    WeightsError says where to put them), or a ``YoloDetector`` (which brings its own
    anchors and class names); its input size sets the resize."""
    if yolo_model is None:
        from engine.weights import get_entry

        yolo_model = get_entry("yolov2").load()
    if hasattr(yolo_model, "anchors") and hasattr(yolo_model, "class_names"):
        anchors = yolo_model.anchors if anchors is None else anchors
        class_names = yolo_model.class_names if class_names is None else class_names
        yolo_model = yolo_model.model
    class_names = list(COCO_CLASSES if class_names is None else class_names)
    anchors = YOLO_ANCHORS if anchors is None else np.asarray(anchors, np.float32)
    model_image_size = tuple(int(s) for s in yolo_model.input_shape[1:3])
    # the course calls predict(sess, "test.jpg") and reads images/test.jpg
    if not Path(image_file).exists() and (Path("images") / image_file).is_file():
        image_file = Path("images") / image_file
    image, image_data = preprocess_image(image_file, model_image_size=model_image_size)
    feats = yolo_model(image_data, training=False)   # BatchNorm in inference mode
    head = yolo_head(feats, anchors, len(class_names))
    # one picture: drop the batch axis, boxes in the original picture's pixels
    head = [t[0] for t in head]
    out_scores, out_boxes, out_classes = yolo_eval(
        head, image_shape=(float(image.size[1]), float(image.size[0])),
        max_boxes=max_boxes, score_threshold=score_threshold,
        iou_threshold=iou_threshold)
    out_scores, out_boxes, out_classes = (out_scores.numpy(), out_boxes.numpy(),
                                          out_classes.numpy())
    name = Path(image_file).name
    print(f"Found {len(out_boxes)} boxes for {name}")
    colors = generate_colors(class_names)
    draw_boxes(image, out_scores, out_boxes, out_classes, class_names, colors)
    out_path = Path(out_dir) / name
    out_path.parent.mkdir(parents=True, exist_ok=True)
    save_format = "JPEG" if out_path.suffix.lower() in (".jpg", ".jpeg") else None
    image.save(out_path, format=save_format, quality=90)
    return out_scores, out_boxes, out_classes
