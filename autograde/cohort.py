"""Grades every submission under `course/submitted/<candidate>/<task>/`; one
broken submission never stops the rest."""
from __future__ import annotations

from typing import Callable

from autograde.course import Course
from autograde.grading import Graded, grade_submission, zero_scores
from autograde.task import Task


def grade_cohort(course: Course, tasks: list[Task], on_done: Callable[[Graded], None] = lambda g: None) -> list[Graded]:
    by_name = {t.name: t for t in tasks}
    results = []
    for candidate, task_name in course.submissions():
        task = by_name.get(task_name)
        if task is None:
            graded = Graded(candidate, task_name, [], "ungradable", f"no task named '{task_name}'", 0.0)
        else:
            try:
                graded = grade_submission(course, task, candidate)
            except Exception as exc:  # contain it: the next candidate is graded regardless
                graded = Graded(candidate, task_name, zero_scores(task), "error", f"{type(exc).__name__}: {exc}", 0.0)
        results.append(graded)
        on_done(graded)
    return results
