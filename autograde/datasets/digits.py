"""Handwritten digits for image tasks (PyTorch and friends): real data, no download.

scikit-learn ships the UCI optical-digits test set (1,797 8x8 images, pixels 0-16)
inside its wheel; `load_digits` reads that file. Each variant gets its own stratified
split into a candidate part and a hidden holdout, so candidates' training sets differ.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.datasets import load_digits

SOURCE_FILE = Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"
PIXEL_COLUMNS = tuple(f"pixel_{row}_{col}" for row in range(8) for col in range(8))
LABEL = "label"
HOLDOUT_SHARE = 0.25


def source_sha256() -> str:
    """Checksum of the bundled file, compared with the one the data card records."""
    return hashlib.sha256(SOURCE_FILE.read_bytes()).hexdigest()


def load_digits_frame() -> pd.DataFrame:
    """All 1,797 images as rows: 64 integer pixel columns (row-major) and the label."""
    bunch = load_digits()
    frame = pd.DataFrame(bunch.data.astype(np.int64), columns=list(PIXEL_COLUMNS))
    frame[LABEL] = bunch.target.astype(np.int64)
    return frame


def split_digits(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified split: (candidate part, holdout). Holdout rows get a last column
    image_id (D-0001... in their shuffled order) so hidden features and labels can be
    joined; the candidate part carries no ids at all."""
    frame = load_digits_frame()
    labels = frame[LABEL].to_numpy()
    holdout_rows = []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        holdout_rows.append(rows[: round(HOLDOUT_SHARE * rows.size)])
    in_holdout = np.zeros(len(frame), dtype=bool)
    in_holdout[np.concatenate(holdout_rows)] = True
    train = frame.iloc[rng.permutation(np.flatnonzero(~in_holdout))].reset_index(drop=True)
    holdout = frame.iloc[rng.permutation(np.flatnonzero(in_holdout))].reset_index(drop=True)
    holdout["image_id"] = [f"D-{i:04d}" for i in range(1, len(holdout) + 1)]
    return train, holdout
