"""Drift knobs measured the way graders measure them: scipy KS / chi-squared and numpy PSI.

Thresholds stay far from decisions: drift cases p < 1e-4 or PSI > 0.3; no-drift cases
PSI < 0.05 on a fixed seed, or a rejection rate over many seeds within alpha + slack.
"""

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, chi2_contingency, ks_2samp

from autograde.datasets import churn, drift
from autograde.datasets.drift import DriftEvent, window_start
from autograde.datasets.release import write_task_data
from autograde.datasets.variants import Variant

PARAMS = churn.CENTRAL_PARAMS
NUMERIC = ["seats", "tenure_months", "monthly_charges", "usage_minutes", "support_tickets", "days_since_login"]
CATEGORICAL = ["plan", "region", "acquisition_channel"]
LABEL = churn.LABEL
ALPHA = 0.05


def psi(reference, current) -> float:
    """PSI as task texts pin it: 10 reference-quantile bins, outer edges +/-inf, eps 1e-4, ln."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, 11)))
    edges[0], edges[-1] = -np.inf, np.inf
    ref = np.maximum(np.histogram(reference, edges)[0] / reference.size, 1e-4)
    cur = np.maximum(np.histogram(current, edges)[0] / current.size, 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def category_psi(reference: pd.Series, current: pd.Series) -> float:
    levels = sorted(set(reference) | set(current))
    ref = np.maximum(reference.value_counts(normalize=True).reindex(levels, fill_value=0).to_numpy(), 1e-4)
    cur = np.maximum(current.value_counts(normalize=True).reindex(levels, fill_value=0).to_numpy(), 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def label_table(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    return np.array([[(a[LABEL] == 1).sum(), (a[LABEL] == 0).sum()], [(b[LABEL] == 1).sum(), (b[LABEL] == 0).sum()]])


def calibration_p_value(rows: pd.DataFrame, params: churn.ChurnParams, groups: int = 10) -> float:
    """Hosmer-Lemeshow test of the labels against the model's own probabilities
    (not fitted on these rows, so `groups` degrees of freedom)."""
    p = churn.churn_probability(rows, params)
    order = np.argsort(p, kind="stable")
    stat = 0.0
    for chunk in np.array_split(order, groups):
        expected, observed, n = p[chunk].sum(), rows[LABEL].to_numpy()[chunk].sum(), chunk.size
        stat += (observed - expected) ** 2 / (expected * (1 - expected / n))
    return float(chi2.sf(stat, groups))


def stream(events, seed=2024, n_windows=20, rows_per_window=500):
    return drift.make_stream(np.random.default_rng(seed), PARAMS, events, n_windows, rows_per_window)


def halves(s: pd.DataFrame, split_window: int = 10):
    return s[s["window"] < split_window], s[s["window"] >= split_window]


@pytest.fixture(scope="module")
def no_drift_stream():
    return stream([])


def test_stream_without_events_measures_as_no_drift(no_drift_stream):
    """Does a stream with no drift events look stable to PSI on every input and to chi-squared on the label?"""
    before, after = halves(no_drift_stream)
    for feature in NUMERIC:
        assert psi(before[feature], after[feature]) < 0.05, feature
    for feature in CATEGORICAL:
        assert category_psi(before[feature], after[feature]) < 0.05, feature
    assert chi2_contingency(label_table(before, after)).pvalue > 0.2


def test_null_windows_reject_at_most_at_alpha():
    """Over many seeds, does KS on two windows of a no-drift stream reject no more often than alpha allows?"""
    n_seeds = 150
    rejections = {feature: 0 for feature in ("usage_minutes", "monthly_charges", "tenure_months")}
    for seed in range(n_seeds):
        s = drift.make_stream(np.random.default_rng(seed), PARAMS, [], n_windows=2, rows_per_window=300)
        first, second = s[s["window"] == 0], s[s["window"] == 1]
        for feature in rejections:
            rejections[feature] += ks_2samp(first[feature], second[feature]).pvalue < ALPHA
    slack = 3 * np.sqrt(ALPHA * (1 - ALPHA) / n_seeds)
    for feature, count in rejections.items():
        assert count / n_seeds <= ALPHA + slack, (feature, count)


@pytest.mark.parametrize(
    "feature, magnitude",
    [
        ("usage_minutes", -1.0),
        ("days_since_login", 1.0),
        ("support_tickets", 1.0),
    ],
)
def test_covariate_shift_moves_only_the_chosen_feature(feature, magnitude):
    """Does a sudden covariate shift move the chosen feature far past PSI 0.3 and leave the others still?"""
    before, after = halves(stream([DriftEvent("covariate", (feature,), window_start(10), window_start(10), magnitude)]))
    assert ks_2samp(before[feature], after[feature]).pvalue < 1e-4
    assert psi(before[feature], after[feature]) > 0.3
    for other in NUMERIC:
        if other != feature:
            assert psi(before[other], after[other]) < 0.05, other
    for other in CATEGORICAL:
        assert category_psi(before[other], after[other]) < 0.05, other


def test_categorical_covariate_shift_moves_the_plan_mix():
    """Does a covariate shift on plan change the plan mix (chi-squared) while region stays put?"""
    before, after = halves(stream([DriftEvent("covariate", ("plan",), window_start(10), window_start(10), 1.5)]))
    table = pd.crosstab(pd.concat([before, after])["window"] >= 10, pd.concat([before, after])["plan"])
    assert chi2_contingency(table.to_numpy()).pvalue < 1e-4
    assert category_psi(before["plan"], after["plan"]) > 0.3
    assert category_psi(before["region"], after["region"]) < 0.05


def test_covariate_shift_keeps_labels_following_the_model():
    """After a covariate shift, are labels still calibrated under the unchanged model (P(y|x) stays),
    over many seeds?"""
    n_seeds = 60
    event = DriftEvent("covariate", ("usage_minutes",), window_start(1), window_start(1), -1.0)
    rejections = 0
    for seed in range(n_seeds):
        s = drift.make_stream(np.random.default_rng(seed), PARAMS, [event], n_windows=2, rows_per_window=1500)
        rejections += calibration_p_value(s[s["window"] == 1], PARAMS, groups=5) < ALPHA
    assert rejections / n_seeds <= ALPHA + 3 * np.sqrt(ALPHA * (1 - ALPHA) / n_seeds)


def test_prior_shift_moves_the_label_rate_but_not_x_given_y():
    """Does a prior shift change P(y) (chi-squared p < 1e-4) while P(x|y) stays, judged over many seeds?"""
    event = DriftEvent("prior", (), window_start(10), window_start(10), 1.5)
    before, after = halves(stream([event]))
    assert chi2_contingency(label_table(before, after)).pvalue < 1e-4
    assert after[LABEL].mean() > 2 * before[LABEL].mean()

    n_seeds = 100
    rejections = {0: 0, 1: 0}
    for seed in range(n_seeds):
        s = drift.make_stream(
            np.random.default_rng(seed),
            PARAMS,
            [DriftEvent("prior", (), window_start(1), window_start(1), 1.5)],
            2,
            600,
        )
        first, second = s[s["window"] == 0], s[s["window"] == 1]
        for y in rejections:
            pvalue = ks_2samp(
                first.loc[first[LABEL] == y, "usage_minutes"], second.loc[second[LABEL] == y, "usage_minutes"]
            ).pvalue
            rejections[y] += pvalue < ALPHA
    for y, count in rejections.items():
        assert count / n_seeds <= ALPHA + 3 * np.sqrt(ALPHA * (1 - ALPHA) / n_seeds), (y, count)


def test_concept_drift_moves_the_label_relationship_only(no_drift_stream):
    """Does concept drift leave every input exactly as without it while P(y|x) moves far?"""
    s = stream([DriftEvent("concept", ("usage_minutes",), window_start(10), window_start(10), 1.8)])
    features = [c for c in s.columns if c != LABEL]
    pd.testing.assert_frame_equal(s[features], no_drift_stream[features])
    before, after = halves(s)
    for feature in NUMERIC:
        assert psi(before[feature], after[feature]) < 0.05, feature
    positives_before, positives_after = before[before[LABEL] == 1], after[after[LABEL] == 1]
    assert ks_2samp(positives_before["usage_minutes"], positives_after["usage_minutes"]).pvalue < 1e-4
    assert calibration_p_value(after, PARAMS) < 1e-4
    assert calibration_p_value(before, PARAMS) > 0.2


def test_sudden_drift_starts_at_its_reported_window():
    """Is the window before a sudden event's start still clean and the start window already shifted?"""
    s = stream([DriftEvent("covariate", ("usage_minutes",), window_start(8), window_start(8), -1.0)])
    reference = s[s["window"] < 7]["usage_minutes"]
    assert psi(reference, s[s["window"] == 7]["usage_minutes"]) < 0.05
    assert ks_2samp(reference, s[s["window"] == 8]["usage_minutes"]).pvalue < 1e-4
    assert psi(reference, s[s["window"] == 8]["usage_minutes"]) > 0.3


def test_gradual_drift_ramps_linearly_between_start_and_end():
    """Does a gradual shift grow linearly from its start to its end window and then hold?"""
    event = DriftEvent("covariate", ("usage_minutes",), window_start(4), window_start(12), -1.2)
    s = stream([event], n_windows=16)
    log_usage = np.log(s["usage_minutes"].clip(lower=1))
    reference = log_usage[s["window"] < 4].mean()
    measured = np.array([log_usage[s["window"] == w].mean() - reference for w in range(16)])
    expected = np.array([event.magnitude * event.weight_at(window_start(w)) for w in range(16)])
    assert np.max(np.abs(measured - expected)) < 0.25
    halfway = measured[8] / event.magnitude
    assert 0.3 < halfway < 0.7


def test_drift_event_rejects_impossible_knobs():
    """Are events that cannot be generated refused instead of silently ignored?"""
    day = date(2025, 8, 4)
    with pytest.raises(ValueError):
        DriftEvent("seasonal", ("usage_minutes",), day, day, 1.0)
    with pytest.raises(ValueError):
        DriftEvent("concept", ("region",), day, day, 1.0)
    with pytest.raises(ValueError):
        DriftEvent("prior", ("usage_minutes",), day, day, 1.0)
    with pytest.raises(ValueError):
        DriftEvent("covariate", ("usage_minutes",), day, date(2025, 8, 1), 1.0)


@pytest.mark.parametrize("candidate", ["cand-101", "cand-102", "cand-103"])
def test_release_ground_truth_matches_the_stream(tmp_path, candidate):
    """Does each event in a candidate's drift truth file show up in the released stream exactly where it says?"""
    variant = Variant("drift-cohort", candidate, "drift-task")
    write_task_data("churn_drift", variant, tmp_path / "release", tmp_path / "hidden")
    s = pd.read_csv(tmp_path / "release" / "churn_stream.csv")
    truth = json.loads((tmp_path / "hidden" / "drift_truth.json").read_text())
    covariate, concept = truth["events"]
    assert (covariate["kind"], concept["kind"]) == ("covariate", "concept")
    feature = covariate["features"][0]
    reference = s[s["window"] < covariate["start_window"]]
    shifted = s[(s["window"] >= covariate["end_window"]) & (s["window"] < concept["start_window"])]
    if feature == "plan":
        table = pd.crosstab(
            pd.concat([reference, shifted])["window"] >= covariate["end_window"],
            pd.concat([reference, shifted])["plan"],
        )
        assert chi2_contingency(table.to_numpy()).pvalue < 1e-4
    else:
        assert ks_2samp(reference[feature], shifted[feature]).pvalue < 1e-4
        assert psi(reference[feature], shifted[feature]) > 0.3
    params = churn.draw_params(variant.rng("churn/params"))
    assert calibration_p_value(s[s["window"] >= concept["start_window"]], params) < 1e-4
