"""The course's FaceNet pieces: triplet_loss, faceRecoModel, the two weight loaders,
and verify / who_is_it on the course's photos (with the embedded dlib encoder, since
the course's pretrained weights are not available here)."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from faces_support import CAMERA_SHOTS, RESIDENTS, faces_data, resident_file  # noqa: F401

from engine.keras_models import facenet
from engine.keras_models.facenet_model import WEIGHTS
from engine.keras_models.facenet_weights import (load_weights, load_weights_from_FaceNet,
                                                 read_h5_weights)
from engine.weights import WeightsError


# --- triplet_loss --------------------------------------------------------------------

def test_triplet_loss_matches_a_hand_computed_value():
    anchor = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    positive = np.array([[0.1, 0.0], [1.0, 1.5], [1.0, 0.0]], dtype=np.float32)
    negative = np.array([[1.0, 0.0], [1.0, 1.2], [0.0, 3.0]], dtype=np.float32)
    # pos_dist = 0.01, 0.25, 1.0 ; neg_dist = 1.0, 0.04, 9.0
    # basic    = 0.01-1+0.2 = -0.79 -> 0 ; 0.25-0.04+0.2 = 0.41 ; 1-9+0.2 -> 0
    loss = facenet.triplet_loss(None, (anchor, positive, negative))
    assert float(loss) == pytest.approx(0.41, abs=1e-6)
    assert float(facenet.triplet_loss(None, (anchor, positive, negative), alpha=1.0)) == \
        pytest.approx(0.21 + 1.01, abs=1e-6)   # only the third triplet stays at 0


# --- the network -----------------------------------------------------------------------

_INITIAL = {}


@pytest.fixture(scope="module")
def model():
    built = facenet.faceRecoModel(input_shape=(96, 96, 3))
    _INITIAL["weights"] = built.get_weights()   # the loader tests overwrite them
    return built


def test_face_reco_model_is_the_course_network(model):
    assert model.count_params() == facenet.TOTAL_PARAMS == 3743280
    assert model.output_shape == (None, 128)
    names = {layer.name for layer in model.layers}
    assert set(WEIGHTS) <= names
    assert {"inception_3a_3x3_conv1", "inception_3a_3x3_bn1", "inception_4e_5x5_conv2",
            "inception_5b_1x1_bn", "dense_layer"} <= names
    # No Lambda layer anywhere: nothing in a saved model needs code to be rebuilt.
    assert not any(type(layer).__name__ == "Lambda" for layer in model.layers)
    # Layers with weights are exactly the course's, so loading by name is complete.
    assert sorted(l.name for l in model.layers if l.weights) == sorted(WEIGHTS)
    kernel = model.get_layer("conv1").weights[0]
    assert tuple(kernel.shape) == (7, 7, 3, 64)


def test_encodings_have_unit_length(model):
    x = np.random.RandomState(0).rand(3, 96, 96, 3).astype(np.float32)
    y = np.asarray(model.predict_on_batch(x))
    assert y.shape == (3, 128)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), 1.0, rtol=1e-5)


def test_channels_first_input_shape_is_accepted(model):
    course = facenet.faceRecoModel(input_shape=(3, 96, 96))
    assert course.count_params() == 3743280
    course.set_weights(model.get_weights())
    x = np.random.RandomState(1).rand(2, 96, 96, 3).astype(np.float32)
    np.testing.assert_allclose(course.predict_on_batch(np.transpose(x, (0, 3, 1, 2))),
                               model.predict_on_batch(x), atol=1e-5)


# --- weight loaders ----------------------------------------------------------------------

def random_weights(model, seed) -> dict[str, list[np.ndarray]]:
    """Keras-ordered arrays for every course layer; multiples of 1/64 so they survive
    a trip through CSV text exactly."""
    rng = np.random.RandomState(seed)
    out = {}
    for name in WEIGHTS:
        arrays = [rng.randint(-128, 128, size=tuple(w.shape)) / 64.0
                  for w in model.get_layer(name).weights]
        if "bn" in name:   # a variance must stay positive
            arrays[3] = np.abs(arrays[3]) + 0.25
        out[name] = [a.astype(np.float32) for a in arrays]
    return out


def write_course_csv_folder(folder, weights):
    """The course's layout: Torch-ordered conv kernels (out, in, kh, kw), dense as
    (128, 736), batch norm as _w/_b/_m/_v, one CSV per array."""
    folder.mkdir()

    def save(file, array, rows):
        np.savetxt(folder / file, np.asarray(array).reshape(rows, -1), fmt="%.8g",
                   delimiter=",")

    for name, arrays in weights.items():
        if "conv" in name:
            kernel = np.transpose(arrays[0], (3, 2, 0, 1))
            save(f"{name}_w.csv", kernel, kernel.shape[0])
            save(f"{name}_b.csv", arrays[1], 1)
        elif "bn" in name:
            for suffix, array in zip(("_w", "_b", "_m", "_v"), arrays):
                save(f"{name}{suffix}.csv", array, 1)
        else:
            save("dense_w.csv", arrays[0].T, 128)
            save("dense_b.csv", arrays[1], 1)


def assert_model_holds(model, weights):
    for name in WEIGHTS:
        for got, want in zip(model.get_layer(name).get_weights(), weights[name]):
            np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory, model):
    weights = random_weights(model, seed=3)
    folder = tmp_path_factory.mktemp("facenet") / "weights"
    write_course_csv_folder(folder, weights)
    return folder, weights


def test_csv_folder_loads_every_value_into_its_layer(model, csv_folder):
    folder, weights = csv_folder
    assert len(list(folder.glob("*.csv"))) == 2 * 37 + 4 * 37 + 2
    load_weights_from_FaceNet(model, folder)
    assert_model_holds(model, weights)
    # the conv kernel went through fr_utils' (2, 3, 1, 0) transpose, not a reshape
    stored = np.loadtxt(folder / "conv1_w.csv", delimiter=",").reshape(64, 3, 7, 7)
    np.testing.assert_array_equal(model.get_layer("conv1").get_weights()[0][2, 5, 1, 40],
                                  stored[40, 1, 2, 5])


def test_csv_folder_of_another_architecture_is_refused(model, csv_folder, tmp_path):
    import shutil
    folder, _ = csv_folder
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "inception_4e_5x5_bn2_v.csv").unlink()
    with pytest.raises(WeightsError, match="inception_4e_5x5_bn2") as err:
        load_weights(broken, model)
    assert "\n" not in str(err.value)
    shutil.copy(folder / "inception_4e_5x5_bn2_v.csv", broken)
    np.savetxt(broken / "inception_3b_pool_conv_w.csv", np.zeros((64, 100)), delimiter=",")
    with pytest.raises(WeightsError, match="inception_3b_pool_conv"):
        load_weights(broken, model)
    (broken / "conv1_b.csv").write_text("0.1,zero,0.3\n")
    with pytest.raises(WeightsError, match="conv1"):
        load_weights(broken, model)
    with pytest.raises(WeightsError, match="conv1_w.csv"):
        load_weights(tmp_path, model)


def test_keras_weights_h5_loads_by_layer_name(model, tmp_path):
    weights = random_weights(model, seed=4)
    for name in WEIGHTS:
        model.get_layer(name).set_weights(weights[name])
    path = tmp_path / "facenet.weights.h5"
    model.save_weights(path)
    for name in WEIGHTS:   # scramble, then load back by name
        model.get_layer(name).set_weights([np.ones_like(w) for w in weights[name]])
    load_weights_from_FaceNet(model, path)
    assert_model_holds(model, weights)


def write_legacy_h5(path, weights, skip=()):
    """Keras 2's model.save layout: model_weights/<layer>/<layer>/<var>:0."""
    names = {"conv": ("kernel", "bias"), "dense": ("kernel", "bias"),
             "bn": ("gamma", "beta", "moving_mean", "moving_variance")}
    with h5py.File(path, "w") as f:
        group = f.create_group("model_weights")
        layers = [n for n in weights if n not in skip]
        group.attrs["layer_names"] = [n.encode() for n in layers + ["lambda_1"]]
        group.create_group("lambda_1").attrs["weight_names"] = []
        for layer in layers:
            kind = "bn" if "bn" in layer else "dense" if layer == "dense_layer" else "conv"
            sub = group.create_group(layer)
            weight_names = [f"{layer}/{v}:0" for v in names[kind]]
            sub.attrs["weight_names"] = [w.encode() for w in weight_names]
            for w, array in zip(weight_names, weights[layer]):
                sub.create_dataset(w, data=array)


def test_legacy_model_h5_loads_and_a_wrong_one_is_refused(model, tmp_path):
    weights = random_weights(model, seed=5)
    path = tmp_path / "FRmodel.h5"
    write_legacy_h5(path, weights)
    assert set(read_h5_weights(path)) >= set(WEIGHTS)
    load_weights_from_FaceNet(model, path)
    assert_model_holds(model, weights)

    write_legacy_h5(tmp_path / "partial.h5", weights, skip=("inception_5a_pool_bn",))
    with pytest.raises(WeightsError, match="inception_5a_pool_bn"):
        load_weights_from_FaceNet(model, tmp_path / "partial.h5")
    wrong = dict(weights, dense_layer=[np.zeros((512, 128)), np.zeros(128)])
    write_legacy_h5(tmp_path / "wrong.h5", wrong)
    with pytest.raises(WeightsError, match="dense_layer"):
        load_weights_from_FaceNet(model, tmp_path / "wrong.h5")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(WeightsError, match="junk.h5"):
        load_weights_from_FaceNet(model, tmp_path / "junk.h5")


def test_registry_finds_weights_in_the_user_folder(model, csv_folder):
    import shutil

    from engine.weights import get_entry, weights_dir
    entry = get_entry("facenet")
    assert entry.find() is None
    with pytest.raises(WeightsError, match="facenet"):
        facenet.FaceNetEncoder.from_weights()
    folder, weights = csv_folder
    shutil.copytree(folder, weights_dir() / "facenet" / "weights")
    encoder = facenet.FaceNetEncoder.from_weights()
    assert_model_holds(encoder.model, weights)
    assert encoder.threshold == 0.7 and "FaceNet" in encoder.name


def test_facenet_encoder_feeds_the_course_preprocessing(model):
    model.set_weights(_INITIAL["weights"])
    encoder = facenet.FaceNetEncoder(model)
    rng = np.random.RandomState(6)
    crop = rng.randint(0, 256, size=(96, 96, 3)).astype(np.uint8)
    expected = model.predict_on_batch(np.around(crop[None] / 255.0, 12).astype(np.float32))
    np.testing.assert_allclose(encoder.encode_single(crop), expected[0], atol=1e-5)
    np.testing.assert_allclose(facenet.img_to_encoding(crop, model), expected, atol=1e-5)
    # A face box in a larger frame is cropped with a margin and resized to 96x96.
    frame = rng.randint(0, 256, size=(480, 640, 3)).astype(np.uint8)
    box = facenet.FaceBox(top=100, right=300, bottom=260, left=140)
    encodings = encoder.encode_faces(frame, [box, box])
    assert encodings.shape == (2, 128) and encodings.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(encodings, axis=1), 1.0, rtol=1e-5)


# --- the course's door, on its photos ------------------------------------------------------

@pytest.fixture(scope="module")
def database(faces_data):
    encoder = facenet.default_encoder()
    return {name: facenet.img_to_encoding(resident_file(faces_data, name), encoder)
            for name in RESIDENTS}


def test_database_holds_course_shaped_encodings(database):
    assert set(database) == set(RESIDENTS)
    assert all(enc.shape == (1, 128) for enc in database.values())


def test_who_is_it_names_every_camera_shot(faces_data, database, capsys):
    encoder = facenet.default_encoder()
    for shot, name in CAMERA_SHOTS.items():
        dist, identity = facenet.who_is_it(faces_data / f"{shot}.jpg", database, encoder)
        printed = capsys.readouterr().out
        with capsys.disabled():
            print(f"\n  who_is_it({shot}) -> {identity}, distance {dist:.4f}")
        assert identity == name
        assert dist < encoder.threshold
        assert printed == f"it's {name}, the distance is {dist}\n"


def test_verify_lets_younes_in_and_keeps_benoit_out(faces_data, database, capsys):
    encoder = facenet.default_encoder()
    dist, door_open = facenet.verify(faces_data / "camera_0.jpg", "younes", database, encoder)
    assert door_open and capsys.readouterr().out == "It's younes, welcome home!\n"
    dist, door_open = facenet.verify(faces_data / "camera_2.jpg", "kian", database, encoder)
    assert not door_open and dist >= encoder.threshold
    assert capsys.readouterr().out == "It's not kian, please go away\n"
    with capsys.disabled():
        print(f"\n  verify(camera_2, 'kian') -> distance {dist:.4f}, door closed")


def test_who_is_it_says_not_in_the_database(faces_data, database, capsys):
    encoder = facenet.default_encoder()
    without_younes = {k: v for k, v in database.items() if k != "younes"}
    dist, _ = facenet.who_is_it(faces_data / "camera_0.jpg", without_younes, encoder)
    assert dist > encoder.threshold
    assert capsys.readouterr().out == "Not in the database.\n"


def test_facenet_encoder_finds_a_face_in_a_frame_with_the_dlib_detector(model, faces_data):
    import cv2

    from engine.faces.images import read_image
    model.set_weights(_INITIAL["weights"])
    face = cv2.resize(read_image(resident_file(faces_data, "younes")), (192, 192))
    frame = np.full((480, 640, 3), 90, dtype=np.uint8)
    frame[140:332, 300:492] = face
    boxes, encodings = facenet.FaceNetEncoder(model).encode(frame)
    assert len(boxes) == 1 and encodings.shape == (1, 128)
    box = boxes[0]
    assert 300 <= box.left < box.right <= 492 and 140 <= box.top < box.bottom <= 332
