"""Releases: `nbgrader generate_assignment` for each task, then a leak scan that
refuses any release carrying solution or hidden-test text."""
from __future__ import annotations

from pathlib import Path

from autograde.course import Course
from autograde.leaks import find_leaks
from autograde.task import Task


class BuildError(RuntimeError):
    pass


def build_task(course: Course, task: Task) -> Path:
    result = course.run("generate_assignment", task.name)
    if not result["success"]:
        raise BuildError(f"nbgrader could not release {task.name}:\n{result.get('error') or result.get('log')}")
    release = course.release_dir(task.name)
    leaks = find_leaks(task, release)
    if leaks:
        raise BuildError(f"{task.name}: the release leaks solution or hidden-test text:\n  " + "\n  ".join(leaks))
    return release
