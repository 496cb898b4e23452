"""Every size limit the app applies to files it is given, in one place.

Any file may be hostile: a few kilobytes of HDF5, MATLAB or PNG can declare arrays
of many gigabytes. Readers compare what a file *declares* (shape, dtype, picture
size, inflated size) against these limits before they allocate anything, and refuse
with one sentence that names the limit. The numbers are far above what the course
needs (its largest file holds 1,080 pictures of 64x64x3, 13 MB) and far below what
would strain a laptop.
"""
from __future__ import annotations

MIB = 1 << 20

# --- course data files (HDF5 / MATLAB) and, later, data sets the user makes ---
# Bytes one array of a data file may hold once read.
MAX_ARRAY_BYTES = 512 * MIB
# Bytes all arrays read from one data file may hold together.
MAX_DATA_FILE_ARRAY_BYTES = 768 * MIB
# Size on disk of a data file we agree to open at all.
MAX_DATA_FILE_BYTES = 1024 * MIB
# Examples (pictures or points) in one split of a data set.
MAX_EXAMPLES = 200_000
# Classes a data set may name (the course's largest has 6).
MAX_CLASSES = 1000
# Characters in one class name.
MAX_CLASS_NAME_CHARS = 200
# One HDF5 chunk is decompressed whole even to read one element: bound it.
MAX_H5_CHUNK_BYTES = 64 * MIB
# A MATLAB v5 file's variables inflated (zlib) together; data.mat holds ~10 KB.
MAX_MAT_INFLATED_BYTES = 64 * MIB
# Points in one split of a 2-D point set (data.mat has 211 and 200).
MAX_POINTS = 1_000_000

# --- pictures the user picks ("Try your own image", faces, the conv stepper) ---
# Size on disk of a picture file.
MAX_PICTURE_FILE_BYTES = 100 * MIB
# Pixels (width x height) a picture may declare in its header; a 48-megapixel phone
# photo passes, a 20000 x 20000 "decompression bomb" does not.
MAX_PICTURE_PIXELS = 60_000_000
# Longest side in pixels (a 1 x 60,000,000 strip is no picture either).
MAX_PICTURE_SIDE = 30_000

# --- the app's own state files (a user or a program may edit them) ---
# The last-trained settings JSON of a lesson (ours are ~300 bytes).
MAX_SETTINGS_FILE_BYTES = 256 * 1024
# Hidden layers a "layers" setting may list.
MAX_HIDDEN_LAYERS = 64
# Run history: characters of one text column read back (message, dataset line ...) and
# of one JSON column (settings, metrics); cut off inside SQLite before Python sees them.
MAX_HISTORY_TEXT_CHARS = 2000
MAX_HISTORY_JSON_CHARS = 200_000
# Characters of one stored cost curve read back (1,000 points are ~25 KB).
MAX_HISTORY_CURVE_CHARS = 400_000
# The door model's JSON beside its weights (ours is ~300 bytes).
MAX_DOOR_INFO_BYTES = 64 * 1024

# --- pretrained weights files (ResNet50.h5, FaceNet .h5 / CSV folder, the door model) ---
# The course's ResNet50.h5 holds ~95 MB of arrays, its largest 9.4 MB; FaceNet's ~15 MB.
MAX_WEIGHT_ARRAY_BYTES = 256 * MIB
MAX_WEIGHTS_TOTAL_BYTES = 1024 * MIB
# A chunk is decompressed whole to read anything of it.
MAX_WEIGHT_CHUNK_BYTES = 64 * MIB
MAX_WEIGHT_ARRAY_DIMS = 5              # a conv kernel has 4
MAX_WEIGHT_LAYERS = 5000               # ResNet50 has 107 layers with weights
MAX_ARRAYS_PER_LAYER = 64
# One FaceNet weights CSV (the largest, dense_w.csv, is ~2 MB).
MAX_WEIGHTS_CSV_BYTES = 32 * MIB
