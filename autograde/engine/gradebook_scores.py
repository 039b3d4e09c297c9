"""Results as the gradebook holds them now: what graders typed in formgrader counts.

Workers grade in private gradebooks, so a submission's record carries automatic scores only.
A grader then scores written answers (and may override an automatic score) in formgrader,
which writes `manual_score` into the course's gradebook. Every report is written from the
records overlaid with those scores: a manual score stands; a written answer nobody has scored
yet is neither passed nor failed but `awaiting manual grade`.
"""

from __future__ import annotations

from dataclasses import replace

from autograde.assessment.results import AWAITING_MANUAL, GRADED_BY_HAND, Graded, ItemScore
from autograde.layout import CourseLayout


def with_gradebook_scores(course: CourseLayout, results: list[Graded]) -> list[Graded]:
    typed = manual_scores(course)
    return [_overlaid(g, typed.get((g.candidate, g.task), {})) for g in results]


def manual_scores(course: CourseLayout) -> dict[tuple[str, str], dict[str, float]]:
    """(candidate, task) -> grade id -> the score a grader typed, in one query for the whole cohort."""
    from nbgrader.api import Grade, Gradebook

    if not course.gradebook.is_file():
        return {}
    scores: dict[tuple[str, str], dict[str, float]] = {}
    with Gradebook(course.db_url) as gb:
        for grade in gb.db.query(Grade).filter(Grade.manual_score.isnot(None)):
            key = (grade.notebook.student.id, grade.notebook.assignment.assignment.name)
            scores.setdefault(key, {})[grade.name] = float(grade.manual_score)
    return scores


def _overlaid(graded: Graded, manual: dict[str, float]) -> Graded:
    if graded.status != "graded":
        return graded
    return replace(graded, items=[_item(i, manual.get(i.grade_id)) for i in graded.items])


def _item(item: ItemScore, manual: float | None) -> ItemScore:
    if manual is not None:
        return replace(item, score=manual, reason="" if manual >= item.max_score else GRADED_BY_HAND)
    if not item.automatic:
        return replace(item, score=0.0, reason=AWAITING_MANUAL)
    return item
