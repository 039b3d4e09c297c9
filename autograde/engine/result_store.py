"""The single writer of a cohort's results: the nbgrader gradebook (for formgrader and
nbgrader's own tools) and one JSON record per submission (for resuming and reports).
Workers grade in private courses; only this writes shared state, so parallel
grading never contends for the gradebook."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

from autograde.assessment.task import Task
from autograde.layout import CourseLayout


class Fingerprints:
    """Per submission, a digest that changes when the submission, the task or its release
    changes: then it is graded again. The task's folder and shared release are read once per
    cohort, not once per candidate (a release with data would otherwise be hashed thousands
    of times)."""

    def __init__(self, course: CourseLayout):
        self.course = course
        self._shared: dict[Path, bytes] = {}

    def of(self, task: Task, candidate: str) -> str:
        course = self.course
        digest = hashlib.sha256()
        for root in (task.folder, course.release_dir(task.name)):
            if root not in self._shared:
                self._shared[root] = _tree_digest(root)
            digest.update(self._shared[root])
        for root in (
            course.submitted_dir(candidate, task.name),
            course.variant_dir(candidate, task.name),
            course.hidden_dir(candidate, task.name),
        ):
            digest.update(_tree_digest(root))
        return digest.hexdigest()


def _tree_digest(root: Path) -> bytes:
    """Names and contents (link targets for links) of every file under `root`."""
    digest = hashlib.sha256()
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
    return digest.digest()


class ResultStore:
    """One record per submission (`CourseLayout.result_record`), written atomically after the gradebook.
    One gradebook connection serves the whole cohort (SQLAlchemy caches compiled statements per
    connection's engine: a new one per submission compiled them all again); each submission is
    committed as it comes."""

    def __init__(self, course: CourseLayout):
        self.course = course
        self._gradebook = None  # nbgrader.api.Gradebook, opened at the first write

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        if self._gradebook is not None:
            self._gradebook.close()
            self._gradebook = None

    def saved(self, candidate: str, task: str) -> dict | None:
        """The last record of this submission, whatever it was graded against (None if never graded)."""
        path = self.course.result_record(candidate, task)
        try:
            return json.loads(path.read_text()) if path.is_file() else None
        except ValueError:
            return None

    def finished(self, candidate: str, task: str, print_: str) -> dict | None:
        """The record of an earlier grading of exactly this submission, task and release, unless
        that grading ended in `error` (the machine, not the submission: it is graded again)."""
        path = self.course.result_record(candidate, task)
        if path.is_file():
            try:
                record = json.loads(path.read_text())
            except ValueError:
                return None  # a record cut short (the disk filled): graded again
            if record.get("fingerprint") == print_ and record.get("graded", {}).get("status") != "error":
                return record
        return None

    def save(self, record: dict, print_: str) -> None:
        graded = record["graded"]
        if record.get("gradebook"):
            self._write_gradebook(graded["task"], graded["candidate"], record["gradebook"])
        path = self.course.result_record(graded["candidate"], graded["task"])
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({**record, "fingerprint": print_}, indent=1, sort_keys=True))
        os.replace(temporary, path)

    def _write_gradebook(self, task: str, candidate: str, rows: dict) -> None:
        if self._gradebook is None:
            from nbgrader.api import Gradebook  # see Course: nbgrader is imported where used

            self._gradebook = Gradebook(self.course.db_url)
        gb = self._gradebook
        try:
            gb.update_or_create_student(candidate)
            timestamp = datetime.fromisoformat(rows["timestamp"]) if rows.get("timestamp") else None
            gb.update_or_create_submission(task, candidate, **({"timestamp": timestamp} if timestamp else {}))
            for notebook, name, auto_score, needs_manual in rows["grades"]:
                grade = gb.find_grade(name, notebook, task, candidate)
                # a grader's manual score stands, and stays flagged for review, as nbgrader does
                grade.auto_score = auto_score
                grade.needs_manual_grade = needs_manual or grade.manual_score is not None
            for notebook, name, auto_comment in rows["comments"]:
                gb.find_comment(name, notebook, task, candidate).auto_comment = auto_comment
            gb.db.commit()
        except BaseException:
            gb.db.rollback()
            raise
