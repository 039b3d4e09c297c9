"""Drift knobs: a weekly production stream of churn snapshots with known drift.

Why: a drift detector can only be graded objectively against ground truth. The stream
is built window by window from `churn.sample_snapshots`, and each `DriftEvent` acts on
exactly one part of the joint distribution:

- covariate: shifts P(x) of the named features at generation time; labels are then
  drawn from the unchanged model, so P(y|x) stays.
- prior: changes P(y) by keeping each row with a probability that depends only on its
  label (rejection sampling), so P(x|y) stays.
- concept: adds `magnitude` to the named features' coefficients in the hazard model;
  inputs are drawn exactly as before, so P(x) stays while P(y|x) moves.

An event is sudden when end == start, gradual otherwise: its weight rises linearly
from 0 at `start` to 1 at `end` and stays at 1 afterwards. A window takes the weight
at its first day. The generator returns the events as the grader's ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from autograde.datasets import churn

KINDS = ("covariate", "prior", "concept")
COVARIATE_FEATURES = (
    "usage_minutes",
    "monthly_charges",
    "support_tickets",
    "days_since_login",
    "plan",
    "acquisition_channel",
)
CONCEPT_FEATURES = churn.HAZARD_FEATURES
WINDOW_DAYS = 7
STREAM_START = date(2025, 7, 7)
STREAM_COLUMNS = (
    "timestamp",
    "window",
    "plan",
    "region",
    "acquisition_channel",
    "seats",
    "tenure_months",
    "monthly_charges",
    "usage_minutes",
    "support_tickets",
    "days_since_login",
    churn.LABEL,
)


@dataclass(frozen=True)
class DriftEvent:
    """One true change in the stream. `magnitude` units depend on the kind:

    covariate: shift of log usage_minutes / monthly_charges / days_since_login, of the
    log ticket rate, or of the log-odds of plan "basic" / channel "paid_search";
    prior: shift of the log-odds of churned_next_90d; concept: amount added to each
    named feature's hazard coefficient.
    """

    kind: str
    features: tuple[str, ...]
    start: date
    end: date
    magnitude: float

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.end < self.start:
            raise ValueError("end must not be before start")
        allowed = {"covariate": COVARIATE_FEATURES, "concept": CONCEPT_FEATURES, "prior": ()}[self.kind]
        if self.kind == "prior" and self.features:
            raise ValueError("a prior shift acts on the label, not on features")
        if self.kind != "prior" and not self.features:
            raise ValueError(f"a {self.kind} event needs at least one feature")
        unknown = set(self.features) - set(allowed)
        if unknown:
            raise ValueError(f"{self.kind} drift cannot act on {sorted(unknown)}; allowed: {allowed}")

    @property
    def sudden(self) -> bool:
        return self.end == self.start

    def weight_at(self, day: date) -> float:
        """0 before start, 1 from end on, linear in between."""
        if day < self.start:
            return 0.0
        if day >= self.end:
            return 1.0
        return (day - self.start).days / (self.end - self.start).days

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "features": list(self.features),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "sudden": self.sudden,
            "magnitude": self.magnitude,
        }


def window_start(window: int, start: date = STREAM_START) -> date:
    return start + timedelta(days=WINDOW_DAYS * window)


def make_stream(
    rng: np.random.Generator,
    params: churn.ChurnParams,
    events: list[DriftEvent],
    n_windows: int = 26,
    rows_per_window: int = 300,
    start: date = STREAM_START,
) -> pd.DataFrame:
    """Weekly windows of labelled snapshots, in timestamp order, with `events` applied."""
    windows = []
    for w in range(n_windows):
        first_day = window_start(w, start)
        rows = _window(rng, params, events, first_day, rows_per_window)
        seconds = np.sort(rng.integers(0, WINDOW_DAYS * 86400, size=rows_per_window))
        stamps = np.datetime64(first_day, "s") + seconds.astype("timedelta64[s]")
        rows.insert(0, "window", w)
        rows.insert(0, "timestamp", np.datetime_as_string(stamps, unit="s"))
        windows.append(rows)
    stream = pd.concat(windows, ignore_index=True)
    stream["timestamp"] = stream["timestamp"].str.replace("T", " ")
    return stream[list(STREAM_COLUMNS)]


def _window(
    rng: np.random.Generator, params: churn.ChurnParams, events: list[DriftEvent], day: date, n: int
) -> pd.DataFrame:
    """n labelled snapshots drawn with every event at its weight on `day`."""
    covariate_shift: dict[str, float] = {}
    coefficient_shift: dict[str, float] = {}
    prior_log_odds = 0.0
    for event in events:
        amount = event.magnitude * event.weight_at(day)
        if event.kind == "prior":
            prior_log_odds += amount
        elif event.kind == "covariate":
            for feature in event.features:
                covariate_shift[feature] = covariate_shift.get(feature, 0.0) + amount
        else:
            for feature in event.features:
                coefficient_shift[feature] = coefficient_shift.get(feature, 0.0) + amount

    # Keep positives with probability min(1, e^s) and negatives with min(1, e^-s):
    # the label odds move by e^s and P(x|y) is untouched.
    keep_positive, keep_negative = min(1.0, np.exp(prior_log_odds)), min(1.0, np.exp(-prior_log_odds))
    kept: list[pd.DataFrame] = []
    while sum(len(k) for k in kept) < n:
        pool_size = int(np.ceil(1.3 * n / min(keep_positive, keep_negative)))
        pool = churn.sample_snapshots(rng, pool_size, params, day, covariate_shift)
        label = (rng.random(pool_size) < churn.churn_probability(pool, params, coefficient_shift)).astype(np.int64)
        keep = rng.random(pool_size) < np.where(label == 1, keep_positive, keep_negative)
        pool[churn.LABEL] = label
        kept.append(pool[keep])
    return pd.concat(kept, ignore_index=True).iloc[:n].reset_index(drop=True)


def draw_drift_scenario(rng: np.random.Generator, n_windows: int = 26, start: date = STREAM_START) -> list[DriftEvent]:
    """A per-candidate scenario: one covariate shift (sudden or gradual over 4 weeks)
    starting in window 6-9, then from window 16-19 a sudden concept drift that turns
    the usage effect around (heavy users start leaving; P(x) and, nearly, P(y) stay).
    Magnitudes are far from any reasonable detection threshold on pooled windows."""
    if n_windows < 22:
        raise ValueError("the default scenario needs at least 22 windows")
    covariate_feature = str(rng.choice(["usage_minutes", "days_since_login", "support_tickets", "plan"]))
    covariate_size = {
        "usage_minutes": (1.0, 1.4),
        "days_since_login": (1.0, 1.4),
        "support_tickets": (1.0, 1.4),
        "plan": (1.6, 2.2),
    }[covariate_feature]
    covariate_sign = -1.0 if covariate_feature == "usage_minutes" else 1.0
    covariate_start = int(rng.integers(6, 10))
    covariate_length = int(rng.choice([0, 4]))
    concept_start = int(rng.integers(16, 20))
    return [
        DriftEvent(
            "covariate",
            (covariate_feature,),
            window_start(covariate_start, start),
            window_start(covariate_start + covariate_length, start),
            round(covariate_sign * float(rng.uniform(*covariate_size)), 3),
        ),
        DriftEvent(
            "concept",
            ("usage_minutes",),
            window_start(concept_start, start),
            window_start(concept_start, start),
            round(float(rng.uniform(1.5, 2.0)), 3),
        ),
    ]


def ground_truth(events: list[DriftEvent], n_windows: int, start: date = STREAM_START) -> dict:
    """What the grader needs: the stream's layout and each event with its window numbers."""

    def window_of(day: date) -> int:
        return (day - start).days // WINDOW_DAYS

    return {
        "stream_start": start.isoformat(),
        "window_days": WINDOW_DAYS,
        "n_windows": n_windows,
        "events": [dict(e.to_dict(), start_window=window_of(e.start), end_window=window_of(e.end)) for e in events],
    }
