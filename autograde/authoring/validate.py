"""Proves a task grades itself correctly: its reference solution, blank release
and fixtures go through the same nbgrader path as candidates' work, in a
scratch course, and each must score what the task says it scores."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from autograde.assessment.results import Graded
from autograde.assessment.task import Task
from autograde.engine.cohort import grade_cohort
from autograde.engine.course import Course
from autograde.options import GradingOptions
from autograde.release.build import BuildError, release_task
from autograde.release.leaks import find_leaks
from autograde.trust_boundary.notes import NOTE_KEY


@dataclass
class FixtureOutcome:
    name: str
    expected_fails: list[str]
    actual_fails: list[str]
    status: str

    @property
    def ok(self) -> bool:
        return self.status == "graded" and self.expected_fails == self.actual_fails


@dataclass
class TaskValidation:
    name: str
    reference_score: float = 0.0
    max_score: float = 0.0
    blank_score: float = 0.0
    runtime_s: float = 0.0
    runtime_budget_s: float = 0.0
    leaks: list[str] = field(default_factory=list)
    fixtures: list[FixtureOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        data = asdict(self)
        data["passed"] = self.passed
        for outcome, fixture in zip(self.fixtures, data["fixtures"]):
            fixture["ok"] = outcome.ok
        return data


def validate_task(task: Task, workers: int = 1, options: GradingOptions | None = None) -> TaskValidation:
    report = TaskValidation(task.name, max_score=task.auto_max, runtime_budget_s=task.runtime_budget_s)
    report.problems.extend(task.problems)
    with tempfile.TemporaryDirectory(prefix=f"mlassess-validate-{task.name}-") as scratch:
        course = Course(Path(scratch) / "course", task.folder.parent, options=options)
        try:
            release = release_task(course, task)
        except BuildError as exc:
            report.problems.append(f"could not release the task: {str(exc).strip().splitlines()[-1]}")
            return report
        report.leaks = find_leaks(task, release)
        report.problems.extend(f"leak: {leak}" for leak in report.leaks)

        samples = {"reference": task.notebook, "blank": release / task.notebook.name}
        samples.update({f.name: f.path for f in task.fixtures if f.path.is_file()})
        graded = _grade_all(course, task, samples, workers)

        reference = graded["reference"]
        report.reference_score, report.runtime_s = reference.auto_score, round(reference.runtime_s, 2)
        if reference.status != "graded" or reference.failed_items():
            report.problems.append(
                f"reference solution scores {reference.auto_score:g}/{task.auto_max:g}"
                f" (fails {', '.join(sorted(reference.failed_items())) or reference.reason})"
            )
        if reference.runtime_s > task.runtime_budget_s:
            report.problems.append(f"reference takes {reference.runtime_s:.1f} s, budget {task.runtime_budget_s:g} s")

        report.problems.extend(
            hidden_label_problems(task, course.autograded_dir("reference", task.name) / task.notebook.name)
        )

        blank = graded["blank"]
        report.blank_score = blank.auto_score
        if blank.status != "graded":
            report.problems.append(f"blank release does not grade cleanly: {blank.reason}")
        elif blank.auto_score > 0:
            passed = sorted({i.grade_id for i in blank.items if i.automatic} - blank.failed_items())
            report.problems.append(f"blank release scores {blank.auto_score:g} (passes {', '.join(passed)})")

        for fixture in task.fixtures:
            if not fixture.path.is_file():
                continue  # already reported by the task itself
            result = graded[fixture.name]
            outcome = FixtureOutcome(fixture.name, sorted(fixture.fails), sorted(result.failed_items()), result.status)
            report.fixtures.append(outcome)
            if not outcome.ok:
                report.problems.append(
                    f"fixture {fixture.name} should fail [{', '.join(outcome.expected_fails)}]"
                    f" but fails [{', '.join(outcome.actual_fails)}]"
                    + (f" ({result.status}: {result.reason})" if result.status != "graded" else "")
                )
    return report


def hidden_label_problems(task: Task, graded_reference: Path) -> list[str]:
    """The candidate's kernel keeps its state between tests: once a test has given hidden labels to
    candidate code, a later test that reads them (to score predictions on those rows) could be answered
    by replaying them. Only items the author declares `gives_hidden_labels` (they score nothing against
    the labels) may read them after that."""
    if not graded_reference.is_file():
        return []
    declared = {item.grade_id for item in task.items if item.gives_hidden_labels}
    problems, giver = [], None
    for cell in nbformat.read(graded_reference, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        use = cell.metadata.get(NOTE_KEY, {}).get("hidden_labels", "")
        if not use or grade_id in declared:
            giver = giver or (grade_id if use == "gave" else None)
            continue
        if giver:
            problems.append(
                f"item '{grade_id}' reads hidden labels after '{giver}' sent data to candidate code "
                "with labels read: a candidate could replay them. Score predictions before labels are "
                "given (and read labels only after the predictions are taken), use rows whose labels "
                "were never given, or declare an item that only gives labels `gives_hidden_labels: true`"
            )
        giver = giver or (grade_id if use == "gave" else None)
    return problems


def _grade_all(course: Course, task: Task, samples: dict[str, Path], workers: int) -> dict[str, Graded]:
    """Submit each notebook as a candidate would (the release's files plus their notebook)
    and grade them the way `mlassess grade` does."""
    for candidate, notebook in samples.items():
        folder = course.submitted_dir(candidate, task.name)
        shutil.copytree(course.release_dir(task.name), folder)
        shutil.copyfile(notebook, folder / task.notebook.name)
    return {g.candidate: g for g in grade_cohort(course, [task], workers=workers)}
