"""Grades one submission through nbgrader's autograde and reads its scores back
from the gradebook, item by item."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import nbformat

from autograde.assessment.results import Graded, ItemScore, zero_scores
from autograde.assessment.task import Task
from autograde.engine.course import Course
from autograde.engine.private_gradebook import discard, fresh_gradebook
from autograde.layout import HIDDEN, RELEASE, VARIANTS, CourseLayout
from autograde.options import GradingOptions
from autograde.trust_boundary.notes import NOTE_KEY


def grade_submission(course: Course, task: Task, candidate: str) -> Graded:
    submitted = course.submitted_dir(candidate, task.name) / task.notebook.name
    if not submitted.is_file() or submitted.is_symlink():
        why = "symlink" if submitted.is_symlink() else "no file"
        return Graded(
            candidate,
            task.name,
            zero_scores(task, "missing"),
            "missing",
            f"{task.notebook.name}: {why} in the submission",
            0.0,
        )
    started = time.perf_counter()
    result = course.run("autograde", task.name, candidate)
    runtime = time.perf_counter() - started
    if not result["success"]:
        status, reason = _failure(result)
        return Graded(candidate, task.name, zero_scores(task, status), status, reason, runtime)
    reasons = item_reasons(course.autograded_dir(candidate, task.name) / task.notebook.name)
    items = [replace(i, reason=reasons.get(i.grade_id, "")) for i in _read_scores(course, task, candidate)]
    return Graded(candidate, task.name, items, "graded", "", runtime)


def _failure(result: dict) -> tuple[str, str]:
    """nbgrader's failure, as the grader should read it: the exception, not its wrapper."""
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    errors = [
        line.strip()
        for line in text.splitlines()
        if re.match(r"\s*[\w.]+(Error|Exception|Unavailable)\b.*:", line) and "NbGraderException" not in line
    ]
    reason = errors[-1] if errors else "autograde failed"
    unreadable = any(
        w in reason
        for w in (
            "NotJSONError",
            "JSONDecodeError",
            "ValidationError",
            "UnicodeDecodeError",
            "nbformat",
            "Notebook does not appear to be JSON",
        )
    )
    return ("ungradable" if unreadable else "error"), reason[:500]


def item_reasons(autograded: Path) -> dict[str, str]:
    """Per graded cell of a graded notebook: '' when it passed, otherwise why not
    (failed, error, timeout, crashed), and `tampered` where the submission altered it."""
    reasons = {}
    for cell in nbformat.read(autograded, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not grade_id or not cell.metadata["nbgrader"].get("grade"):
            continue
        errors = [o.get("ename", "") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if cell.metadata.get(NOTE_KEY, {}).get("tampered"):
            reasons[grade_id] = "tampered"
        elif errors:
            reasons[grade_id] = ERROR_REASONS.get(errors[0], "error")
    return reasons


ERROR_REASONS = {
    "AssertionError": "failed",
    "CellTimeoutError": "timeout",
    "KeyboardInterrupt": "timeout",  # only the grader interrupts a kernel
    "CandidateTimeout": "timeout",
    "NotebookTimeoutError": "timeout",
    "CandidateKernelDied": "crashed",
    "TrustedKernelDied": "crashed",
}


def _read_scores(course: Course, task: Task, candidate: str) -> list[ItemScore]:
    from nbgrader.api import Gradebook, MissingEntry  # see Course: nbgrader is imported where used

    with Gradebook(course.db_url) as gb:
        try:
            submission = gb.find_submission(task.name, candidate)
        except MissingEntry:
            return zero_scores(task)
        earned = {g.name: float(g.score or 0.0) for nb in submission.notebooks for g in nb.grades}
    return [ItemScore(i.grade_id, earned.get(i.grade_id, 0.0), i.points, i.automatic, i.skill) for i in task.items]


def grade_in_isolation(
    course: CourseLayout, assignments: Path, task: Task, candidate: str, options: GradingOptions
) -> dict:
    """Grade one submission in a private scratch course beside the real one, so that
    any number of these run at once (processes, Dask workers) while only the caller
    writes the real gradebook. Returns a plain record: picklable, JSON-able.

    A run that nbgrader could not finish ("error": a kernel that would not start on a
    starved machine, say) is tried once more before the candidate is given zero for it;
    the record says so. A notebook that cannot be read is not retried: it never will be."""
    record = _attempt(course, assignments, task, candidate, options)
    if record["graded"]["status"] == "error":
        first = record["graded"]["reason"]
        record = _attempt(course, assignments, task, candidate, options)
        if record["graded"]["status"] == "error":
            record["graded"]["reason"] = f"{record['graded']['reason']} (failed twice; first: {first})"[:500]
    return record


def _attempt(course: CourseLayout, assignments: Path, task: Task, candidate: str, options: GradingOptions) -> dict:
    course.work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{candidate}__{task.name}-", dir=course.work_dir))
    gradebook = fresh_gradebook(course.work_dir, course.gradebook_template)
    try:
        private = Course(work, assignments, gradebook, options)
        for shared in (RELEASE, VARIANTS, HIDDEN):
            if (course.root / shared).is_dir():
                (private.root / shared).symlink_to(course.root / shared)
        private.submitted_dir(candidate, task.name).parent.mkdir(parents=True)
        private.submitted_dir(candidate, task.name).symlink_to(course.submitted_dir(candidate, task.name))
        try:
            graded = grade_submission(private, task, candidate)
        except Exception as exc:  # contain it: the cohort goes on
            graded = Graded(
                candidate, task.name, zero_scores(task, "error"), "error", f"{type(exc).__name__}: {exc}", 0.0
            )
        rows = _gradebook_rows(private, task.name, candidate) if graded.status == "graded" else {}
        if graded.status == "graded":
            private.run("generate_feedback", task.name, candidate)
        for produced, final in (
            (private.autograded_dir(candidate, task.name), course.autograded_dir(candidate, task.name)),
            (private.feedback_dir(candidate, task.name), course.feedback_dir(candidate, task.name)),
        ):
            shutil.rmtree(final, ignore_errors=True)
            if produced.is_dir():
                final.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(produced, final)
        return {"graded": asdict(graded), "gradebook": rows}
    finally:
        shutil.rmtree(work, ignore_errors=True)
        discard(gradebook)


def _gradebook_rows(course: Course, task: str, candidate: str) -> dict:
    """What nbgrader's autograde saved for this submission, to be written into the real gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        submission = gb.find_submission(task, candidate)
        return {
            "timestamp": submission.timestamp.isoformat() if submission.timestamp else None,
            "grades": [
                [nb.name, g.name, g.auto_score, g.needs_manual_grade] for nb in submission.notebooks for g in nb.grades
            ],
            "comments": [[nb.name, c.name, c.auto_comment] for nb in submission.notebooks for c in nb.comments],
        }
