"""The churn simulator carries every quirk its data card promises, at the promised strength."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from sklearn.linear_model import LogisticRegression

from autograde.datasets import churn
from autograde.datasets.drift import STREAM_START
from autograde.datasets.release import write_task_data
from autograde.datasets.variants import Variant

LABEL = churn.LABEL


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("churn")
    write_task_data("churn", Variant("quirk-cohort", "frank", "churn-task"), root / "release", root / "hidden")
    return {
        "train": pd.read_csv(root / "release" / "churn_train.csv"),
        "holdout": pd.read_csv(root / "hidden" / "churn_holdout_features.csv"),
        "labels": pd.read_csv(root / "hidden" / "churn_holdout_labels.csv"),
    }


def test_numbers_arrive_as_strings_with_units_and_separators(release):
    """Do charges and usage come as text in several notations, and login dates in three formats?"""
    train = release["train"]
    charges, usage, login = (train[c].dropna() for c in ("monthly_charges", "usage_minutes", "last_login_date"))
    assert charges.str.startswith("$").mean() > 0.15 and charges.str.contains(",").any()
    assert charges.str.fullmatch(r"\d+\.\d{2}").mean() > 0.6
    assert usage.str.endswith("k min").mean() > 0.05 and usage.str.fullmatch(r"\d+ min").any()
    assert usage.str.fullmatch(r"\d+").mean() > 0.5
    assert login.str.contains("/").mean() > 0.02 and login.str.contains(",").mean() > 0.005


def test_usage_is_missing_not_at_random(release):
    """Is usage missing far more often for rows that churn (chi-squared p < 1e-4), in training and holdout alike?"""
    holdout = release["holdout"].assign(**{LABEL: release["labels"][LABEL]})
    for frame in (release["train"], holdout):
        table = pd.crosstab(frame[LABEL], frame["usage_minutes"].isna())
        assert chi2_contingency(table.to_numpy()).pvalue < 1e-4
        rates = frame.groupby(LABEL)["usage_minutes"].apply(lambda s: s.isna().mean())
        assert rates[1] > 3 * rates[0]


def test_channel_is_missing_at_random_given_signup_date(release):
    """Is acquisition_channel missing mostly for customers who signed up before the CRM migration?"""
    train = release["train"]
    early = pd.to_datetime(train["signup_date"]) < "2021-01-01"
    missing = train["acquisition_channel"].isna()
    assert missing[early].mean() > 0.2 and missing[~early].mean() < 0.03


def test_cancellation_reason_leaks_the_future(release):
    """Does cancellation_reason predict the label in training, and is it empty at scoring time?"""
    train = release["train"]
    with_reason = train["cancellation_reason"].notna()
    assert train.loc[with_reason, LABEL].mean() > 5 * train.loc[~with_reason, LABEL].mean()
    assert (train.loc[with_reason, LABEL] == 0).any(), "the reason is back-filled onto earlier, negative rows"
    assert release["holdout"]["cancellation_reason"].isna().all()


def test_duplicates_and_impossible_values_are_present(release):
    """Are there exact duplicate rows, negative tenures, zero seats and charges stored in cents?"""
    train = release["train"]
    assert 0.005 < train.duplicated().mean() < 0.03
    assert (train["tenure_months"] < 0).any()
    assert (train["seats"] == 0).any()
    charges = pd.to_numeric(train["monthly_charges"].str.replace(r"[$,]", "", regex=True))
    per_seat = (charges / train["seats"])[train["seats"] > 0]
    highest_list_price = churn.LIST_PRICE_PER_SEAT["enterprise"] * 1.03**7
    assert (per_seat > 10 * highest_list_price).any(), "some charges should be 100x too large"
    assert (per_seat <= highest_list_price).mean() > 0.98


def test_customers_repeat_so_a_row_split_leaks(release):
    """Do customers appear on many rows, so that a random row split puts most customers on both sides?"""
    train = release["train"]
    assert train.groupby("customer_id").size().median() >= 3
    shuffled = train.sample(frac=1.0, random_state=0)
    half = len(shuffled) // 2
    both_sides = set(shuffled["customer_id"][:half]) & set(shuffled["customer_id"][half:])
    assert len(both_sides) / train["customer_id"].nunique() > 0.5
    assert not set(train["customer_id"]) & set(release["labels"]["customer_id"])


def test_company_domain_has_hundreds_of_levels(release):
    """Is company_domain a high-cardinality categorical with a long tail of rare levels?"""
    counts = release["train"]["company_domain"].value_counts()
    assert counts.size >= 100
    assert (counts <= 10).sum() > counts.size / 3


def test_label_noise_flips_a_few_percent():
    """Are a few percent of training labels flipped relative to the true labels, and no more?"""
    rng = np.random.default_rng(11)
    params = churn.draw_params(rng)
    clean = churn.simulate_panel(rng, params, 500)
    raw = churn.make_raw(clean, rng, params).drop_duplicates()
    merged = raw.merge(
        clean[["customer_id", "snapshot_date", LABEL]].assign(
            snapshot_date=lambda d: d["snapshot_date"].dt.strftime("%Y-%m-%d")
        ),
        on=["customer_id", "snapshot_date"],
    )
    assert len(merged) == len(clean)
    flipped = (merged[f"{LABEL}_x"] != merged[f"{LABEL}_y"]).mean()
    assert 0.01 < flipped < 0.05
    assert abs(flipped - params.label_noise) < 0.015


def test_documented_drivers_push_churn_the_documented_way():
    """Fitting a logistic model to simulated snapshots: do the card's drivers come out with the card's signs?"""
    rng = np.random.default_rng(5)
    snapshots = churn.sample_snapshots(rng, 40_000, churn.CENTRAL_PARAMS, STREAM_START)
    label = rng.random(len(snapshots)) < churn.churn_probability(snapshots, churn.CENTRAL_PARAMS)
    features = pd.DataFrame(
        {
            "usage_per_seat": np.log(snapshots["usage_minutes"].clip(lower=1) / snapshots["seats"]),
            "support_tickets": snapshots["support_tickets"],
            "weeks_since_login": snapshots["days_since_login"] / 7,
            "log_tenure": np.log1p(snapshots["tenure_months"]),
            "basic": snapshots["plan"] == "basic",
            "enterprise": snapshots["plan"] == "enterprise",
            "paid_search": snapshots["acquisition_channel"] == "paid_search",
        }
    ).astype(float)
    model = LogisticRegression(max_iter=1000).fit(features, label)
    coef = dict(zip(features.columns, model.coef_[0]))
    assert coef["usage_per_seat"] < -0.3
    assert coef["support_tickets"] > 0.1
    assert coef["weeks_since_login"] > 0.1
    assert coef["log_tenure"] < -0.2
    assert coef["basic"] > coef["enterprise"]
    assert coef["paid_search"] > 0.1
