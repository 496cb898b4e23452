"""DL Playground engine: everything that computes. Never imports Qt."""
