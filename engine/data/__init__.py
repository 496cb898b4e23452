"""Course-file loaders and procedural stand-in data."""
from engine.data.dataset import Dataset, DataError

__all__ = ["Dataset", "DataError"]
