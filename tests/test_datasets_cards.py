"""The card check itself: it must read the cards people edit and catch data that disagrees."""

import pandas as pd
import pytest

from autograde.datasets import cards
from autograde.datasets.release import write_task_data
from autograde.datasets.variants import Variant


@pytest.fixture(scope="module")
def churn_train(tmp_path_factory):
    root = tmp_path_factory.mktemp("cards")
    write_task_data("churn", Variant("card-cohort", "grace", "churn-task"), root / "release", root / "hidden")
    return pd.read_csv(root / "release" / "churn_train.csv")


def test_each_card_has_one_parsable_expectations_block():
    """Does every card hold exactly one yaml block that names its dataset and describes its tables?"""
    for dataset in ("churn", "digits"):
        expectations = cards.load_expectations(dataset)
        assert expectations["dataset"] == dataset
        for table, spec in expectations["tables"].items():
            assert spec["columns"], table
            assert all(
                column["type"] in {"string", "category", "integer", "number", "date", "datetime"}
                for column in spec["columns"].values()
            ), table


def test_generated_data_passes_its_card(churn_train):
    """Does a freshly generated training extract agree with the churn card?"""
    assert cards.check_against_card(churn_train, "churn", "churn_train") == []


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (lambda df: df.drop(columns="region"), "columns"),
        (lambda df: df.assign(churned_next_90d=1), "share of class 1"),
        (lambda df: df.assign(region=None), "region: missing share"),
        (lambda df: df.assign(plan="platinum"), "plan: values outside"),
        (lambda df: df.assign(snapshot_date="01/02/2024"), "snapshot_date: values not matching"),
        (lambda df: df.assign(seats=df["seats"] + 0.5), "seats: expected integers"),
        (lambda df: df.assign(support_tickets=-1), "support_tickets: values"),
        (lambda df: df.assign(customer_id="C-000001"), "customer_id: distinct values"),
        (lambda df: df.drop_duplicates(), "duplicate share"),
        (lambda df: df.head(100), "rows"),
        (lambda df: df.assign(tenure_months=df["tenure_months"].astype(str)), "tenure_months: expected integer"),
    ],
)
def test_card_check_catches_data_that_disagrees(churn_train, breakage, expected):
    """Does the card check report each kind of disagreement (schema, missing rate, balance, values, size)?"""
    problems = cards.check_against_card(breakage(churn_train.copy()), "churn", "churn_train")
    assert any(expected in problem for problem in problems), problems


def test_unknown_table_is_reported():
    """Is a table the card does not describe reported rather than silently passed?"""
    problems = cards.check_against_card(pd.DataFrame({"a": [1]}), "churn", "churn_test")
    assert problems and "no table" in problems[0]
