"""The course's TensorFlow / Keras implementations, one module per lesson.

TensorFlow is imported inside functions only, so importing these modules is cheap
(tests/engine/test_architecture.py checks it). ``job_callback.load_tensorflow()`` is
the one place that imports it (quietly, without freezing a window), and
``job_callback.JobCallback`` reports a Keras training run as job events.
"""
