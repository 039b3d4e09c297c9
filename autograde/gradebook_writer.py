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

from nbgrader.api import Gradebook

from autograde.course import Course
from autograde.task import Task


def fingerprint(course: Course, task: Task, candidate: str) -> str:
    """Changes when the submission, the task or its release changes: then it is graded again."""
    digest = hashlib.sha256()
    roots = [course.submitted_dir(candidate, task.name), task.folder, course.release_dir(task.name),
             course.variant_dir(candidate, task.name), course.hidden_dir(candidate, task.name)]
    for root in (r for r in roots if r.is_dir()):
        for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
    return digest.hexdigest()


class ResultStore:
    """`course/.mlassess/results/<candidate>/<task>.json`, written atomically after the gradebook."""

    def __init__(self, course: Course):
        self.course = course
        self.folder = course.root / ".mlassess" / "results"

    def _path(self, candidate: str, task: str) -> Path:
        return self.folder / candidate / f"{task}.json"

    def finished(self, candidate: str, task: str, print_: str) -> dict | None:
        path = self._path(candidate, task)
        if path.is_file():
            record = json.loads(path.read_text())
            if record.get("fingerprint") == print_:
                return record
        return None

    def save(self, record: dict, print_: str) -> None:
        graded = record["graded"]
        if record.get("gradebook"):
            self._write_gradebook(graded["task"], graded["candidate"], record["gradebook"])
        path = self._path(graded["candidate"], graded["task"])
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({**record, "fingerprint": print_}, indent=1, sort_keys=True))
        os.replace(temporary, path)

    def _write_gradebook(self, task: str, candidate: str, rows: dict) -> None:
        with Gradebook(self.course.db_url) as gb:
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
