"""Grades one submission through nbgrader's autograde and reads its scores back
from the gradebook, item by item."""
from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograde.course import Course
from autograde.task import Task


@dataclass(frozen=True)
class ItemScore:
    grade_id: str
    score: float
    max_score: float
    automatic: bool
    skill: str | None


@dataclass
class Graded:
    candidate: str
    task: str
    items: list[ItemScore]
    status: str  # "graded" or why not ("error", "ungradable")
    reason: str
    runtime_s: float

    @property
    def score(self) -> float:
        return sum(i.score for i in self.items)

    @property
    def max_score(self) -> float:
        return sum(i.max_score for i in self.items)

    @property
    def auto_score(self) -> float:
        return sum(i.score for i in self.items if i.automatic)

    def failed_items(self) -> set[str]:
        """Automatic items that did not earn full points."""
        return {i.grade_id for i in self.items if i.automatic and i.score < i.max_score}

    def skill_score(self, skill: str) -> float:
        return sum(i.score for i in self.items if i.skill == skill)


def grade_submission(course: Course, task: Task, candidate: str) -> Graded:
    started = time.perf_counter()
    with _own_mlflow_store(course.autograded_dir(candidate, task.name)):
        result = course.run("autograde", task.name, candidate)
    runtime = time.perf_counter() - started
    if not result["success"]:
        reason = (result.get("error") or result.get("log") or "autograde failed").strip().splitlines()[-1]
        return Graded(candidate, task.name, zero_scores(task), "error", reason, runtime)
    return Graded(candidate, task.name, _read_scores(course, task, candidate), "graded", "", runtime)


@contextlib.contextmanager
def _own_mlflow_store(folder: Path):
    """Point the grading kernel's MLflow at a store inside the submission's graded
    folder, whatever the grader's shell points at: no candidate sees or writes
    another's runs, and the grader's own server stays out of reach."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder / 'mlflow.db'}"
    os.environ.pop("MLFLOW_REGISTRY_URI", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def zero_scores(task: Task) -> list[ItemScore]:
    return [ItemScore(i.grade_id, 0.0, i.points, i.automatic, i.skill) for i in task.items]


def _read_scores(course: Course, task: Task, candidate: str) -> list[ItemScore]:
    with Gradebook(course.db_url) as gb:
        try:
            submission = gb.find_submission(task.name, candidate)
        except MissingEntry:
            return zero_scores(task)
        earned = {g.name: float(g.score or 0.0) for nb in submission.notebooks for g in nb.grades}
    return [ItemScore(i.grade_id, earned.get(i.grade_id, 0.0), i.points, i.automatic, i.skill) for i in task.items]
