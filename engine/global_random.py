"""One lock around every use of NumPy's global random state.

The course's functions seed and draw from ``np.random`` itself (``np.random.seed(1)``
then ``randn``), and we keep them as they are. Two lessons training at once on two
job threads could interleave those draws and change each other's numbers; holding
this lock from the seed to the last draw keeps every run reproducible.
"""
import threading

GLOBAL_RANDOM_LOCK = threading.Lock()
