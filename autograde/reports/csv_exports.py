"""`grades.csv`: one row per candidate and task, the contract scripts rely on:
candidate, task, score, max_score, then points earned per skill. Rows and
numbers are written in a fixed order and format so that grading the same
cohort twice gives the same bytes."""

from __future__ import annotations

import csv
from pathlib import Path

from autograde.assessment.results import Graded
from autograde.assessment.task import SKILLS


def _number(x: float) -> str:
    return f"{round(x, 6):g}"


def write_grades_csv(results: list[Graded], path: Path) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["candidate", "task", "score", "max_score", *SKILLS, "status"])
        for g in sorted(results, key=lambda g: (g.candidate, g.task)):
            writer.writerow(
                [
                    g.candidate,
                    g.task,
                    _number(g.score),
                    _number(g.max_score),
                    *(_number(g.skill_score(s)) for s in SKILLS),
                    g.status,
                ]
            )
    return path


def write_items_csv(results: list[Graded], path: Path) -> Path:
    """`items.csv`: one row per candidate, task and graded item, with why it lost points."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["candidate", "task", "item", "score", "max_score", "reason"])
        for g in sorted(results, key=lambda g: (g.candidate, g.task)):
            for i in g.items:
                writer.writerow([g.candidate, g.task, i.grade_id, _number(i.score), _number(i.max_score), i.reason])
    return path
