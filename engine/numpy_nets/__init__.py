"""The course's NumPy implementations, one module per lesson, course names kept."""
