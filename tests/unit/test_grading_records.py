"""Pure parts of the grading workflow: manual scores over automatic records, the sample cohort's
declared outcomes, and what a release tells a candidate's environment to install."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde.assessment.results import AWAITING_MANUAL, GRADED_BY_HAND, Graded, ItemScore
from autograde.assessment.task import Task
from autograde.authoring.samples import sample_problems
from autograde.engine.gradebook_scores import _overlaid
from autograde.release.handoff import candidate_requirements, imported_modules

FIXTURE_TASK = Path(__file__).resolve().parents[1] / "fixture_tasks" / "standardize-features"


def _graded(candidate="ana", status="graded") -> Graded:
    items = [
        ItemScore("test_a", 2.0, 2.0, True, "data"),
        ItemScore("explain", 0.0, 3.0, False, "data"),
    ]
    return Graded(candidate, "task", items, status, "", 1.0)


def test_a_written_answer_nobody_scored_awaits_and_a_typed_score_stands():
    """Is an unscored written answer 'awaiting manual grade' (zero, neither passed nor failed), and does
    a grader's score replace it, with 'graded by hand' when it is below the maximum?"""
    waiting = _overlaid(_graded(), {})
    assert [i.reason for i in waiting.items] == ["", AWAITING_MANUAL]
    assert waiting.awaiting_manual == [waiting.items[1]] and waiting.score == 2.0
    full = _overlaid(_graded(), {"explain": 3.0})
    assert full.items[1].reason == "" and full.score == 5.0 and not full.awaiting_manual
    partial = _overlaid(_graded(), {"explain": 1.0, "test_a": 1.5})
    assert partial.items[1].reason == GRADED_BY_HAND and partial.score == 2.5
    assert partial.items[0].score == 1.5  # a grader may override an automatic score too


def test_a_submission_that_was_not_graded_is_left_as_it_is():
    """Does an errored or missing submission keep its own status and zeros, manual scores or not?"""
    failed = _graded(status="error")
    assert _overlaid(failed, {"explain": 3.0}) == failed


def test_the_sample_cohort_check_names_each_sample_that_missed_its_declared_outcome():
    """Given the fixture task's declared outcomes, does the demo's check pass exact results and name a
    fixture that fails other items than declared, and a sample that was not graded?"""
    task = Task.load(FIXTURE_TASK)
    automatic = [i for i in task.items if i.automatic]

    def graded(candidate, failing=(), status="graded"):
        items = [ItemScore(i.grade_id, 0.0 if i.grade_id in failing else i.points, i.points, True, "data")
                 for i in automatic]  # fmt: skip
        return Graded(candidate, task.name, items, status, "why" if status != "graded" else "", 1.0)

    exact = [graded("reference"), graded("blank", failing={i.grade_id for i in automatic})]
    exact += [graded(f.name, failing=f.fails) for f in task.fixtures]
    assert sample_problems(exact, [task]) == []
    wrong = [g for g in exact if g.candidate not in ("correct-alternative-sklearn", "blank", "reference")]
    wrong += [graded("correct-alternative-sklearn", failing={"test_load_values"}), graded("blank", status="error")]
    problems = sample_problems(wrong, [task])
    assert any(p.startswith("correct-alternative-sklearn/standardize-features: should fail []") for p in problems)
    assert any(p.startswith("blank/standardize-features: error") for p in problems)
    assert "reference/standardize-features: not graded" in problems


def test_the_candidate_environment_follows_the_notebooks_imports(tmp_path):
    """Are the notebook's third-party imports (not magics, shell lines, relative or standard-library
    imports) what requirements.txt pins, with libraries its brief tells the candidate to use?"""
    notebook = tmp_path / "task.ipynb"
    cells = [
        new_markdown_cell("Fit the model with scikit-learn as you would at work."),
        new_code_cell("%matplotlib inline\n!pip list\nimport numpy as np\nfrom pandas import DataFrame"),
        new_code_cell("import json, os.path\nfrom . import local"),
        new_code_cell("this is not python ("),
    ]
    nbformat.write(new_notebook(cells=cells), notebook)
    assert imported_modules(notebook) == {"numpy", "pandas", "json", "os"}
    pins = {line.split("==")[0] for line in candidate_requirements(notebook).splitlines() if "==" in line}
    assert {"numpy", "pandas", "scikit-learn", "jupyterlab", "ipykernel"} <= pins
    assert not {"torch", "mlflow", "nbgrader"} & pins
