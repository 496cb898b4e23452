"""One module per lesson; each declares ``LESSON`` (see engine/lessons.py)."""
