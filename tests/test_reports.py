"""The reports people read: cohort report, candidate profiles and feedback, as a browser shows them."""

import csv
import subprocess

import pytest

from autograde.assessment.results import Graded, ItemScore
from autograde.reports.html import item_statistics
from helpers import CHROMIUM, FIXTURE_TASKS, chromium_flags, render_in_chromium, run_tool


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("reports") / "course"
    result = run_tool("mlassess", "demo", "--course", str(course), "--assignments", str(FIXTURE_TASKS))
    assert result.returncode == 0, result.stderr
    with open(course / "grades.csv", newline="") as f:
        assert all(row["status"] == "graded" for row in csv.DictReader(f)), result.stderr
    return course


def _render(page, tmp_path):
    """Headless Chromium's DOM and screenshot of a local page; its stderr for errors."""
    dom = render_in_chromium(page, tmp_path / "profile")
    shot = tmp_path / "page.png"
    flags = chromium_flags(tmp_path / "profile")
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    return dom, shot


@pytest.mark.parametrize(
    "page",
    [
        "report.html",
        "feedback/reference/profile.html",
        "feedback/mistake-scaler-fitted-on-all-data/standardize-features/standardize-features.html",
    ],
)
def test_reports_render_in_a_real_browser(graded_course, tmp_path, page):
    """Do the cohort report, a profile and a feedback page render in headless Chromium, charts included?"""
    assert CHROMIUM, "Debian's chromium is needed (apt-get install chromium; .ci/run installs it)"
    dom, shot = _render(graded_course / page, tmp_path)
    assert dom.returncode == 0, dom.stderr
    assert "<table" in dom.stdout or "<div" in dom.stdout
    if not page.endswith("standardize-features.html"):
        assert "<svg" in dom.stdout, "the chart is missing"
    assert "Uncaught" not in dom.stderr, dom.stderr
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_feedback_leaves_hidden_tests_out(graded_course):
    """Does a candidate's feedback show the tests they saw but not the hidden ones the autograded copy ran?"""
    feedback = (
        graded_course
        / "feedback"
        / "mistake-scaler-fitted-on-all-data"
        / "standardize-features"
        / "standardize-features.html"
    ).read_text()
    graded = (
        graded_course
        / "autograded"
        / "mistake-scaler-fitted-on-all-data"
        / "standardize-features"
        / "standardize-features.ipynb"
    ).read_text()
    hidden_line = "test = rng.normal(10, 5, (30, 2))"
    assert hidden_line in graded and hidden_line not in feedback
    assert "the scaled training set must keep its shape" in feedback, "the visible tests stay in the feedback"


def test_profile_says_what_each_lost_item_was(graded_course):
    """Does a candidate's profile show each item, its skill, and why it lost points?"""
    profile = (graded_course / "feedback" / "mistake-scaler-fitted-on-all-data" / "profile.html").read_text()
    assert "test_uses_train_statistics" in profile and "failed" in profile and "data" in profile
    with open(graded_course / "items.csv", newline="") as f:
        reasons = {(r["candidate"], r["item"]): r["reason"] for r in csv.DictReader(f)}
    assert reasons[("mistake-scaler-fitted-on-all-data", "test_uses_train_statistics")] == "failed"


def _graded(candidate, passes):
    items = [ItemScore(f"item{k}", float(ok), 1.0, True, "data") for k, ok in enumerate(passes)]
    return Graded(candidate, "t", items, "graded", "", 0.0)


def test_item_statistics_separate_telling_items_from_useless_ones():
    """Does the item table flag an item everybody passes and measure one that tracks ability?"""
    cohort = [_graded(f"c{i}", [True, i >= 3, i >= 2, i >= 4]) for i in range(6)]
    rows = {r["item"]: r for r in item_statistics(cohort)}
    assert rows["item0"]["flag"] == "everybody passes" and rows["item0"]["separation"] is None
    assert rows["item1"]["share"] == pytest.approx(0.5)
    assert rows["item1"]["separation"] > 0.5 and rows["item1"]["flag"] == ""
