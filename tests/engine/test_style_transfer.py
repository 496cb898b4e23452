"""Lesson 3.7: the course's style-transfer functions, the painter and the lesson run."""
from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from engine.keras_models import style_transfer as st  # noqa: E402
from engine.keras_models.style_painting import StylePainter, keep_content_colours  # noqa: E402


@pytest.fixture(autouse=True)
def no_keras_cache(tmp_path, monkeypatch):
    """No VGG-19 file from this machine's ~/.keras leaks into a test."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


def numpy_content_cost(a_C, a_G):
    _, h, w, c = a_G.shape
    return np.sum((a_C - a_G) ** 2) / (4 * h * w * c)


def numpy_gram(a):
    _, h, w, c = a.shape
    A = a.reshape(h * w, c).T
    return A @ A.T


def numpy_layer_style_cost(a_S, a_G):
    _, h, w, c = a_G.shape
    return np.sum((numpy_gram(a_S) - numpy_gram(a_G)) ** 2) / (4 * c ** 2 * (h * w) ** 2)


def test_costs_match_numpy_on_random_activations():
    rng = np.random.RandomState(1)
    a_C, a_G = rng.randn(1, 4, 4, 3), rng.randn(1, 4, 4, 3)
    assert float(st.compute_content_cost(a_C, tf.constant(a_G, tf.float32))) == \
        pytest.approx(numpy_content_cost(a_C, a_G), rel=1e-5)
    A = rng.randn(3, 2 * 1)
    assert np.allclose(st.gram_matrix(A), A @ A.T, atol=1e-5)
    a_S = rng.randn(1, 4, 4, 3)
    assert float(st.compute_layer_style_cost(a_S, tf.constant(a_G, tf.float32))) == \
        pytest.approx(numpy_layer_style_cost(a_S, a_G), rel=1e-5)


def test_hand_checked_1x2x2x3_case():
    ones = np.ones((1, 2, 2, 3), np.float32)
    zeros = np.zeros((1, 2, 2, 3), np.float32)
    # 12 squared differences of 1 over 4*2*2*3 = 48
    assert float(st.compute_content_cost(ones, zeros)) == pytest.approx(0.25)
    # Gram of all-ones: 4 everywhere; of zeros: 0 -> 9 * 16 / (4 * 9 * 16)
    assert np.allclose(st.gram_matrix(np.ones((3, 4))), 4 * np.ones((3, 3)))
    assert float(st.compute_layer_style_cost(ones, zeros)) == pytest.approx(0.25)
    # one-hot channels at three positions: Gram = identity; differences 3 (x3), 4 (x6)
    eye = np.zeros((1, 2, 2, 3), np.float32)
    eye.reshape(4, 3)[:3] = np.eye(3)
    assert np.allclose(st.gram_matrix(eye.reshape(4, 3).T), np.eye(3))
    assert np.allclose(st.activation_gram(eye), np.eye(3))   # the painter's fast path
    assert float(st.compute_layer_style_cost(ones, eye)) == pytest.approx(123 / 576)


def test_total_cost_and_the_course_printout():
    assert st.total_cost(1, 2) == 1 * 10 + 2 * 40
    assert st.total_cost(1, 2, alpha=3, beta=5) == 13
    # catalog 3.7: iteration 0 and 180 of the course's run
    assert st.total_cost(7877.67, 1.26257e+08) == pytest.approx(5.05035e+09, rel=1e-5)
    assert st.total_cost(18500.9, 2.4289e+06) == pytest.approx(9.73408e+07, rel=1e-5)


def test_generate_noise_image_and_normalisation():
    picture = np.full((30, 40, 3), 200, np.uint8)
    content = st.reshape_and_normalize_image(picture)
    assert content.shape == (1, 30, 40, 3)
    assert np.allclose(content[0, 0, 0], 200 - np.array([123.68, 116.779, 103.939]))
    noisy = st.generate_noise_image(content, seed=3)
    assert noisy.shape == (1, 30, 40, 3) and noisy.dtype == np.float32
    low, high = 0.4 * content.min() - 0.6 * 20, 0.4 * content.max() + 0.6 * 20
    assert low <= noisy.min() and noisy.max() <= high
    assert np.array_equal(noisy, st.generate_noise_image(content, seed=3))
    assert not np.array_equal(noisy, st.generate_noise_image(content, seed=4))
    assert np.allclose(st.generate_noise_image(content, noise_ratio=0.0), content)
    back = st.image_to_uint8(content)
    assert back.shape == (30, 40, 3) and np.all(back == 200)


def _tiny_pictures(h=24, w=32):
    rng = np.random.RandomState(0)
    y, x = np.mgrid[0:h, 0:w]
    content = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], -1).astype(np.uint8)
    style = rng.randint(0, 256, (h, w, 3)).astype(np.uint8)
    return content, style


def test_model_nn_prints_and_saves_like_the_course(tmp_path, capsys):
    from engine.keras_models.style_networks import embedded_network
    content, style = _tiny_pictures()
    C = st.reshape_and_normalize_image(content)
    S = st.reshape_and_normalize_image(style)
    model = st.set_up_course(C, S, network=embedded_network(), output_dir=str(tmp_path))
    assert model["input"].shape == (1, 24, 32, 3)
    generated = st.model_nn(st.generate_noise_image(C, seed=1), num_iterations=21)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Iteration 0 :" and lines[4] == "Iteration 20 :"
    assert lines[1].startswith("total cost = ") and lines[3].startswith("style cost = ")
    total, content_cost, style_cost = (float(l.split("= ")[1]) for l in lines[5:8])
    assert total == pytest.approx(10 * content_cost + 40 * style_cost, rel=1e-4)
    assert {p.name for p in tmp_path.iterdir()} == {"0.png", "20.png",
                                                    "generated_image.jpg"}
    assert generated.shape == (1, 24, 32, 3)
    # the style cost through the course's model matches the NumPy formula
    model.assign(generated)
    a_G = np.asarray(model["conv1_1"])
    a_S = model.style_activation("conv1_1")
    assert float(st.compute_style_cost(model, [("conv1_1", 1.0)])) == \
        pytest.approx(numpy_layer_style_cost(a_S, a_G), rel=1e-4)


def test_painter_steps_live_weights_blend_and_colours():
    from engine.keras_models.style_networks import embedded_network
    content, style = _tiny_pictures()
    other = np.zeros_like(style)
    painter = StylePainter(embedded_network(), content, [style, other], [3, 1], seed=2)
    assert np.allclose(painter.style_weights, [0.75, 0.25])
    first = painter.step()
    assert first.iteration == 0 and first.total == pytest.approx(
        10 * first.content + 40 * first.style, rel=1e-4)
    picture = painter.picture()
    assert picture.shape == (24, 32, 3) and picture.dtype == np.uint8
    second = painter.step()
    assert not np.array_equal(picture, painter.picture())    # each step shows
    painter.set_weights(alpha=1.0, beta=0.0)
    now = painter.costs()
    assert now.total == pytest.approx(now.content, rel=1e-4)
    assert second.iteration == 1 and painter.iteration == 2
    # the blended target is the weighted mean of the two styles' Gram matrices
    single = StylePainter(embedded_network(), content, [style], seed=2)
    zero = StylePainter(embedded_network(), content, [other], seed=2)
    target, generated = painter.gram_matrices("conv2_1")
    assert np.allclose(target, 0.75 * single.gram_matrices("conv2_1")[0]
                       + 0.25 * zero.gram_matrices("conv2_1")[0], rtol=1e-4, atol=1e-3)
    assert generated.shape == target.shape
    painter.reset()
    assert painter.iteration == 0
    assert np.allclose(painter.normalized_image(), painter.initial_image())


def test_colour_preservation_keeps_the_contents_chroma():
    content, style = _tiny_pictures()
    kept = keep_content_colours(style, content)
    yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322],
                    [0.211, -0.523, 0.312]])
    got, want = kept.astype(float) @ yiq.T, content.astype(float) @ yiq.T
    inside = np.all((kept > 0) & (kept < 255), axis=-1)     # clipping aside
    assert np.abs(got[..., 1:] - want[..., 1:])[inside].max() < 1.5
    assert np.abs(got[..., 0] - (style.astype(float) @ yiq.T)[..., 0])[inside].max() < 1.5


def test_lesson_run_pause_step_live_and_pictures(tmp_path):
    from engine.jobs import Job
    from engine.lessons import get_lesson
    lesson = get_lesson("neural-style-transfer")
    assert lesson.section == "4.7" and lesson.id in __import__(
        "engine.lessons", fromlist=["lesson_ids"]).lesson_ids()
    settings = lesson.make_settings({"num_iterations": 6, "size": 40,
                                     "output_dir": str(tmp_path)})
    events = []
    job = Job(lesson, settings, events.append)
    job.control.pause()
    job.control.set_live("beta", 0.0)
    job.start()
    job.control.step()
    deadline = __import__("time").time() + 120
    while not any(e.kind == "snapshot" for e in events) and __import__("time").time() \
            < deadline:
        __import__("time").sleep(0.05)
    snapshots = [e for e in events if e.kind == "snapshot"]
    assert snapshots and snapshots[-1].data["iteration"] == 1     # the stepped picture
    shape = snapshots[-1].data["picture"].shape
    assert shape[2] == 3 and max(shape[:2]) == 40           # the longer side is "size"
    assert snapshots[-1].data["costs"][0][0] == 0 and len(snapshots[-1].data["costs"][0]) == 4
    assert "embedded" in snapshots[-1].data["network"]
    job.control.resume()
    assert job.wait(120) and job.error is None, job.error
    progress = [e.data for e in events if e.kind == "progress"]
    # beta was set to 0 before the first step: the total is alpha * content
    assert progress[0]["cost"] == pytest.approx(10 * progress[0]["content_cost"], rel=1e-4)
    assert job.metrics["iterations"] == 6
    assert [c["iteration"] for c in job.result["course_costs"]] == [0]
    assert {p.name for p in tmp_path.iterdir()} == {"0.png", "generated_image.jpg"}
    assert len(job.result["frames"]) == 0 and job.result["picture"].shape == shape


def test_lesson_stop_keeps_the_picture(tmp_path):
    from engine.jobs import Job
    from engine.lessons import get_lesson
    lesson = get_lesson("neural-style-transfer")
    settings = lesson.make_settings({"num_iterations": 50, "size": 32, "gallery_every": 2,
                                     "output_dir": str(tmp_path)})
    events = []

    def listen(event):
        events.append(event)
        if event.kind == "progress" and event.data["iteration"] >= 3:
            job.control.stop()

    job = Job(lesson, settings, listen)
    job.run_here()
    assert job.stopped and job.error is None
    assert 4 <= job.metrics["iterations"] < 50
    assert (tmp_path / "generated_image.jpg").is_file()
    assert job.result["frames"][0][0] == 2


def test_headless_runner_paints_and_refuses_bad_pictures(tmp_path, capsys):
    from engine.__main__ import main
    from PIL import Image
    content, style = _tiny_pictures()
    Image.fromarray(content).save(tmp_path / "c.png")
    Image.fromarray(style).save(tmp_path / "s.png")
    out = tmp_path / "out"
    code = main(["run", "neural-style-transfer", "--set", "num_iterations=2", "--set",
                 f"content={tmp_path / 'c.png'}", "--set", f"style={tmp_path / 's.png'}",
                 "--set", "size=32", "--set", f"output_dir={out}", "--json",
                 "--no-history"])
    assert code == 0
    report = __import__("json").loads(capsys.readouterr().out)
    assert report["course_costs"][0]["iteration"] == 0
    assert (out / "generated_image.jpg").is_file()
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a picture")
    code = main(["run", "neural-style-transfer", "--set", f"content={bad}",
                 "--no-history"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "bad.jpg" in err[0]
    code = main(["run", "neural-style-transfer", "--set", "style=nowhere.png",
                 "--no-history"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "nowhere.png" in err[0]
