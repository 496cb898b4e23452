"""``python -m playground``: open the app (see playground/app.py for options)."""
import sys

from playground.app import main

if __name__ == "__main__":
    sys.exit(main())
