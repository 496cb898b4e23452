import os

# GUI tests run without a screen; a developer with a display may override this.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
