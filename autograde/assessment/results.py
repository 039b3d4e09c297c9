"""What grading says about one submission: its items' scores and reasons, and its status.

Plain data: workers return it as a record (picklable, JSON-able), the result store keeps
it, and every report is written from it."""

from __future__ import annotations

from dataclasses import dataclass

from autograde.assessment.task import Task

# An item's reason when it is a written answer no grader has scored yet: neither passed nor failed.
AWAITING_MANUAL = "awaiting manual grade"
# A manually graded item that did not earn every point.
GRADED_BY_HAND = "graded by hand"


@dataclass(frozen=True)
class ItemScore:
    grade_id: str
    score: float
    max_score: float
    automatic: bool
    skill: str | None
    reason: str = ""  # why an item lost points, or that it was tampered with: see item_reasons

    @property
    def awaiting_manual(self) -> bool:
        return self.reason == AWAITING_MANUAL


@dataclass
class Graded:
    candidate: str
    task: str
    items: list[ItemScore]
    status: str  # "graded", or why not: "error", "ungradable", "missing"
    reason: str
    runtime_s: float

    @property
    def score(self) -> float:
        return sum(i.score for i in self.items)

    @property
    def max_score(self) -> float:
        return sum(i.max_score for i in self.items)

    @property
    def awaiting_manual(self) -> list[ItemScore]:
        """Written answers no grader has scored yet."""
        return [i for i in self.items if i.awaiting_manual]

    @property
    def auto_score(self) -> float:
        return sum(i.score for i in self.items if i.automatic)

    def failed_items(self) -> set[str]:
        """Automatic items that did not earn full points."""
        return {i.grade_id for i in self.items if i.automatic and i.score < i.max_score}

    def skill_score(self, skill: str) -> float:
        return sum(i.score for i in self.items if i.skill == skill)


def zero_scores(task: Task, reason: str = "") -> list[ItemScore]:
    return [ItemScore(i.grade_id, 0.0, i.points, i.automatic, i.skill, reason) for i in task.items]


def graded_from_record(record: dict) -> Graded:
    data = dict(record["graded"])
    data["items"] = [ItemScore(**i) for i in data["items"]]
    return Graded(**data)
