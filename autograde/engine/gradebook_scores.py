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
    from nbgrader.api import Gradebook, MissingEntry

    if not course.gradebook.is_file():
        return [_overlaid(g, {}) for g in results]
    updated = []
    with Gradebook(course.db_url) as gb:
        for g in results:
            try:
                submission = gb.find_submission(g.task, g.candidate)
            except MissingEntry:
                updated.append(_overlaid(g, {}))
                continue
            manual = {
                grade.name: float(grade.manual_score)
                for notebook in submission.notebooks
                for grade in notebook.grades
                if grade.manual_score is not None
            }
            updated.append(_overlaid(g, manual))
    return updated


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
