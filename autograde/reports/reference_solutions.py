"""For practice plans that allow it: each task's reference solution as a page, hidden
tests removed, beside the candidate's feedback."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import ClearHiddenTests

from autograde.assessment.plan import Plan
from autograde.assessment.task import Task
from autograde.layout import CourseLayout

REFERENCE = "reference-solution.html"
SOLUTION_MARKER = re.compile(r"(BEGIN|END) SOLUTION")


def reference_solution_html(task: Task) -> str:
    """The source notebook as a page, hidden tests removed: what a practising engineer compares with."""
    nb = nbformat.read(task.notebook, as_version=4)
    cleared = ClearHiddenTests()
    for index, cell in enumerate(nb.cells):
        cell, _ = cleared.preprocess_cell(cell, {}, index)
        cell.source = "\n".join(x for x in cell.source.splitlines() if not SOLUTION_MARKER.search(x))
        nb.cells[index] = cell
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return body


def write_reference_solutions(plan: Plan, course: CourseLayout, candidates: dict[str, list[str]]) -> list[Path]:
    """feedback/<candidate>/<task>/reference-solution.html for each task a candidate submitted."""
    pages = {p.task.name: reference_solution_html(p.task) for p in plan.tasks}
    written = []
    for candidate, tasks in sorted(candidates.items()):
        for task in tasks:
            if task in pages:
                folder = course.feedback_dir(candidate, task)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / REFERENCE).write_text(pages[task])
                written.append(folder / REFERENCE)
    return written
