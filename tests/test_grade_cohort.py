"""`mlassess demo` and `mlassess grade` on a cohort."""

import csv
import shutil

from helpers import FIXTURE_TASK, FIXTURE_TASKS, run_tool

TASK = FIXTURE_TASK.name
EXPECTED = {  # candidate: (score, max_score) with the manual item still ungraded
    "reference": ("4", "5"),
    "blank": ("0", "5"),
    "correct-alternative-sklearn": ("4", "5"),
    "correct-with-stderr-warnings": ("4", "5"),
    "mistake-scaler-fitted-on-all-data": ("2", "5"),
}


def _rows(course):
    with open(course / "grades.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_demo_grades_the_sample_cohort_end_to_end(tmp_path):
    """Does `mlassess demo` build, grade the sample cohort and write both reports?"""
    course = tmp_path / "course"
    result = run_tool("mlassess", "demo", "--course", str(course), "--assignments", str(FIXTURE_TASKS))
    assert result.returncode == 0, result.stderr
    assert str(course / "grades.csv") in result.stdout and str(course / "report.html") in result.stdout

    rows = _rows(course)
    assert list(rows[0]) == [
        "candidate",
        "task",
        "score",
        "max_score",
        "data",
        "modeling",
        "evaluation",
        "monitoring",
        "mlops",
        "status",
    ]
    assert {r["candidate"]: (r["score"], r["max_score"]) for r in rows} == EXPECTED
    assert all(r["task"] == TASK and r["data"] == r["score"] and r["status"] == "graded" for r in rows)
    report = (course / "report.html").read_text()
    assert "<svg" in report and "mistake-scaler-fitted-on-all-data" in report


def test_regrading_gives_byte_identical_grades_and_a_broken_notebook_harms_nobody(tmp_path):
    """Is grading idempotent, and does an unreadable submission only zero itself?"""
    course = tmp_path / "course"
    assert run_tool("mlassess", "demo", "--course", str(course), "--assignments", str(FIXTURE_TASKS)).returncode == 0
    first = (course / "grades.csv").read_bytes()

    broken = course / "submitted" / "garbled" / TASK
    shutil.copytree(course / "release" / TASK, broken)
    (broken / f"{TASK}.ipynb").write_bytes(b"\x00{not json at all")
    regraded = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(FIXTURE_TASKS))
    assert regraded.returncode == 0, regraded.stderr
    assert "garbled" in regraded.stderr

    rows = {r["candidate"]: r for r in _rows(course)}
    assert rows.pop("garbled")["score"] == "0"
    assert {c: (r["score"], r["max_score"]) for c, r in rows.items()} == EXPECTED

    shutil.rmtree(course / "submitted" / "garbled")
    assert run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(FIXTURE_TASKS)).returncode == 0
    assert (course / "grades.csv").read_bytes() == first


def test_a_run_nbgrader_could_not_finish_is_tried_again_and_explained(tasks_copy, tmp_path):
    """When the kernels cannot start (here: a task allowing too few processes), is the
    submission tried a second time before it gets zero, and does the grader read why?"""
    task_yaml = tasks_copy / TASK / "task.yaml"
    task_yaml.write_text(task_yaml.read_text().replace("processes: 64", "processes: 2"))
    course = tmp_path / "course"
    assert run_tool("mlassess", "build", "--course", str(course), "--assignments", str(tasks_copy)).returncode == 0
    shutil.copytree(tasks_copy / TASK, course / "submitted" / "reference" / TASK)

    result = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(tasks_copy))
    assert result.returncode == 1, result.stderr  # a cohort with errors is not a graded cohort
    assert "reference/standardize-features: error: RuntimeError: Kernel died" in result.stderr
    assert "failed twice; first: RuntimeError: Kernel died" in result.stderr
    assert _rows(course)[0]["status"] == "error" and _rows(course)[0]["score"] == "0"
