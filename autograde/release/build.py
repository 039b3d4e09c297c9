"""Releases: `nbgrader generate_assignment` for each task, the task's data written
for the release (and, given a cohort secret, a variant per candidate), then a leak
scan that refuses any release carrying solution or hidden-test text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from autograde.assessment.plan import Plan
from autograde.assessment.task import Task
from autograde.datasets.release import write_task_data
from autograde.datasets.variants import Variant
from autograde.engine.course import Course
from autograde.layout import SAMPLE_CANDIDATE
from autograde.release.handoff import prepare_release
from autograde.release.leaks import find_leaks
from autograde.release.notices import write_hints, write_notice

# The shared release carries data drawn from this public secret: fine for practice and
# for validating tasks, but a real cohort passes its own secret so nobody can regenerate it.
SAMPLE_SECRET = "mlassess-sample-data"
CANDIDATE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


class BuildError(RuntimeError):
    pass


def release_task(course: Course, task: Task) -> Path:
    """The shared release: nbgrader's, plus the task's data drawn from the public sample secret."""
    result = course.run("generate_assignment", task.name)
    if not result["success"]:
        raise BuildError(f"nbgrader could not release {task.name}:\n{result.get('error') or result.get('log')}")
    release = course.release_dir(task.name)
    prepare_release(task, release)
    _write_data(
        task,
        Variant(SAMPLE_SECRET, SAMPLE_CANDIDATE, task.name),
        release,
        course.hidden_dir(SAMPLE_CANDIDATE, task.name),
    )
    return release


def build_task(
    course: Course, task: Task, cohort_secret: str | None = None, candidates: list[str] = (), plan: Plan | None = None
) -> Path:
    release = release_task(course, task)
    if plan:
        write_notice(plan, task, release)
        if plan.practice and plan.hints:
            write_hints(task, release)
    leaks = find_leaks(task, release)
    if leaks:
        raise BuildError(f"{task.name}: the release leaks solution or hidden-test text:\n  " + "\n  ".join(leaks))
    for candidate in candidates:
        if not CANDIDATE_ID.match(candidate):
            raise BuildError(f"candidate id {candidate!r}: use letters, digits and . _ @ - (at most 100)")
        if not cohort_secret:
            raise BuildError("per-candidate releases need a cohort secret (--cohort-secret)")
        own = course.variant_dir(candidate, task.name)
        shutil.rmtree(own, ignore_errors=True)
        shutil.copytree(release, own)
        _write_data(task, Variant(cohort_secret, candidate, task.name), own, course.hidden_dir(candidate, task.name))
    return release


def _write_data(task: Task, variant: Variant, release: Path, hidden: Path) -> None:
    shutil.rmtree(hidden, ignore_errors=True)
    for dataset in task.datasets:
        write_task_data(dataset, variant, release, hidden)


def record_plan(course: Course, plan: Plan | None) -> None:
    """The course remembers the plan it was built for, so grading reports against it;
    a build without a plan forgets any earlier one."""
    kept = course.plan_file
    if plan:
        shutil.copyfile(plan.path, kept)
    elif kept.exists():
        kept.unlink()
