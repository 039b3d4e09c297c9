"""The one entry point a task's build step calls: `write_task_data`.

Candidate-visible files go to `release_dir`; grader-only files (holdout features and
labels, drift ground truth) go to `hidden_dir`, which must not lie inside the release.
Files are CSV (fixed column order, "%.2f" floats, "\\n" line ends) or sorted JSON, so
the same variant always gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from autograde.datasets import DATASETS, churn, digits, drift
from autograde.datasets.variants import Variant

CHURN_CUSTOMERS = 500
CHURN_HOLDOUT_SHARE = 0.25
STREAM_WINDOWS = 26


def write_task_data(dataset: str, variant: Variant, release_dir: Path, hidden_dir: Path, **options) -> dict:
    """Write one dataset's files for one candidate and return the manifest.

    dataset: "churn" (raw training extract; hidden scoring-time holdout),
    "churn_drift" (weekly stream; hidden ground truth; option `events`, a list of
    DriftEvent, else a scenario drawn for the variant) or "digits" (training images;
    hidden holdout). The manifest lists each file's name, rows and sha256; it names
    hidden files, so keep it on the grader's side.
    """
    writers = {"churn": _churn, "churn_drift": _churn_drift, "digits": _digits}
    if dataset not in writers:
        raise ValueError(f"unknown dataset {dataset!r}; known: {sorted(DATASETS)}")
    release_dir, hidden_dir = Path(release_dir).resolve(), Path(hidden_dir).resolve()
    if hidden_dir == release_dir or hidden_dir.is_relative_to(release_dir):
        raise ValueError("hidden_dir must not be release_dir or inside it: candidates would see it")
    release, hidden = writers[dataset](variant, **options)
    return {
        "dataset": dataset,
        "candidate_id": variant.candidate_id,
        "task": variant.task,
        "release": [_write(release_dir, name, content) for name, content in release.items()],
        "hidden": [_write(hidden_dir, name, content) for name, content in hidden.items()],
    }


def _churn(variant: Variant) -> tuple[dict, dict]:
    params = churn.draw_params(variant.rng("churn/params"))
    panel = churn.simulate_panel(variant.rng("churn/panel"), params, CHURN_CUSTOMERS)
    train, holdout = churn.split_customers(panel, variant.rng("churn/split"), CHURN_HOLDOUT_SHARE)
    release = {"churn_train.csv": churn.make_raw(train, variant.rng("churn/raw"), params)}
    hidden = {
        "churn_holdout_features.csv": churn.make_scoring_features(holdout, variant.rng("churn/holdout"), params),
        "churn_holdout_labels.csv": churn.scoring_labels(holdout),
    }
    return release, hidden


def _churn_drift(variant: Variant, events: list[drift.DriftEvent] | None = None) -> tuple[dict, dict]:
    params = churn.draw_params(variant.rng("churn/params"))
    if events is None:
        events = drift.draw_drift_scenario(variant.rng("churn_drift/scenario"), STREAM_WINDOWS)
    stream = drift.make_stream(variant.rng("churn_drift/stream"), params, events, STREAM_WINDOWS)
    return {"churn_stream.csv": stream}, {"drift_truth.json": drift.ground_truth(events, STREAM_WINDOWS)}


def _digits(variant: Variant) -> tuple[dict, dict]:
    train, holdout = digits.split_digits(variant.rng("digits/split"))
    hidden = {
        "digits_holdout_features.csv": holdout.drop(columns=digits.LABEL),
        "digits_holdout_labels.csv": holdout[["image_id", digits.LABEL]],
    }
    return {"digits_train.csv": train}, hidden


def _write(directory: Path, name: str, content: pd.DataFrame | dict) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(content, pd.DataFrame):
        data = content.to_csv(index=False, lineterminator="\n", float_format="%.2f").encode("utf-8")
        rows = len(content)
    else:
        data = (json.dumps(content, indent=2, sort_keys=True) + "\n").encode("utf-8")
        rows = None
    (directory / name).write_bytes(data)
    return {"file": name, "rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
