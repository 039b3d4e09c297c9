"""Put each written answer's rubric in front of the grader, next to the answer.

The author writes the model answer and rubric inside the answer cell's solution region,
which the release (rightly) removes, so formgrader, which shows the graded notebook, would
show the candidate's answer alone. This step, at the end of autograde, inserts after each
manually graded answer a markdown cell holding the author's text from the task's source
notebook (never anything of the submission's), marked as the grader's. Feedback leaves those cells out
(HideRubrics), so candidates never see them.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

from autograde.trust_boundary.notes import NOTE_KEY, RUBRIC_CELL_PREFIX

MARKER_LINE = re.compile(r"^\s*(#+|//)?\s*(BEGIN|END) SOLUTION\s*$")


class ShowRubricToGraders(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        assignment, notebook = resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"]
        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"
        # the author's source notebook (the gradebook keeps only the released text of answer cells)
        authored = {
            c.metadata["nbgrader"]["grade_id"]: c.source
            for c in nbformat.read(source, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("grade_id")
        }
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if is_grade(cell) and is_solution(cell) and authored.get(grade_id):
                cells.append(rubric_cell(grade_id, authored[grade_id]))
        nb.cells = cells
        return nb, resources


def rubric_cell(grade_id: str, authored: str):
    text = "\n".join(line for line in authored.splitlines() if not MARKER_LINE.match(line)).strip()
    cell = new_markdown_cell(
        f"**For the grader, not shown to the candidate: model answer and rubric for `{grade_id}`**\n\n{text}"
    )
    cell.id = f"{RUBRIC_CELL_PREFIX}{grade_id}"[:64]
    cell.metadata[NOTE_KEY] = {"rubric": True}
    return cell


def is_rubric(cell) -> bool:
    return bool(cell.get("metadata", {}).get(NOTE_KEY, {}).get("rubric")) and str(cell.get("id", "")).startswith(
        RUBRIC_CELL_PREFIX
    )
