"""Correct answers whose code writes warnings or logs to stderr."""

import shutil

import nbformat
from nbgrader.converters import Autograde

from autograde.assessment.task import Task
from autograde.engine.course import Course
from autograde.engine.grading import grade_submission
from helpers import FIXTURE_TASK, FIXTURE_TASKS

NOISY = FIXTURE_TASK / "fixtures" / "correct-with-stderr-warnings.ipynb"


def _grade_noisy(course: Course):
    task = Task.load(FIXTURE_TASK)
    assert course.run("generate_assignment", task.name)["success"]
    folder = course.submitted_dir("noisy", task.name)
    shutil.copytree(course.release_dir(task.name), folder)
    shutil.copyfile(NOISY, folder / task.notebook.name)
    return task, grade_submission(course, task, "noisy")


def test_warnings_on_stderr_keep_their_points(tmp_path):
    """Does a correct answer that prints FutureWarnings and INFO logs to stderr keep full marks?"""
    course = Course(tmp_path / "course", FIXTURE_TASKS)
    task, graded = _grade_noisy(course)
    assert graded.status == "graded" and graded.auto_score == task.auto_max

    # What candidate code writes while a test calls it stays in its own kernel (it could echo hidden
    # inputs): the warnings cost nothing, and they are not copied into the graded notebook either.
    autograded = nbformat.read(course.autograded_dir("noisy", task.name) / task.notebook.name, as_version=4)
    printed = "".join(o.get("text", "") for c in autograded.cells if c.cell_type == "code" for o in c.outputs)
    assert "FutureWarning" not in printed and "INFO mlflow" not in printed


def test_stock_nbgrader_would_zero_the_same_answer(tmp_path):
    """Is the kit's stderr rule what saves those points (stock nbgrader zeroes such cells)?"""
    course = Course(tmp_path / "course", FIXTURE_TASKS)
    course.config.Autograde.autograde_preprocessors = Autograde.class_traits()["autograde_preprocessors"].default()
    task, graded = _grade_noisy(course)
    assert graded.auto_score < task.auto_max
