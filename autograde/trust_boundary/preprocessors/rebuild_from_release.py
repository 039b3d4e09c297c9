"""Builds the notebook to grade from the release, not from the submission.

The graded notebook is the release notebook as the author published it, with
only the candidate's work put in: the source of each answer cell (matched by
grade id and cell type) and the cells the candidate added, kept after the answer
they followed. Test cells, their order, points, cell types and the notebook's
kernel are the author's whatever the submission says, so editing, deleting,
duplicating, moving or re-typing a test cell changes nothing; each graded item
whose cell the submission altered is marked `tampered` for the grader to see.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

from autograde.trust_boundary.notes import CANDIDATE_CELL_PREFIX, NOTE_KEY


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _normalised(source) -> str:
    """Editors may touch line endings and trailing blanks: that is not tampering."""
    if isinstance(source, list):
        source = "".join(source)
    return "\n".join(line.rstrip() for line in source.replace("\r\n", "\n").strip().splitlines())


def _points(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("points")


class RebuildFromRelease(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        assignment, notebook = resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"]
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.release_directory, ".", assignment)) / f"{notebook}.ipynb"
        if not path.is_file():
            raise FileNotFoundError(f"no release notebook {path}: build the release first (mlassess build)")
        release = nbformat.read(path, as_version=4)
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            full = {c.name: c.source for c in gb.find_notebook(notebook, assignment).source_cells}
        rebuilt, notes = rebuild(release, nb, full)
        for cell in rebuilt.cells:
            if _grade_id(cell) in notes:
                cell.metadata[NOTE_KEY] = {"tampered": notes[_grade_id(cell)]}
        return rebuilt, resources


def rebuild(
    release: NotebookNode, submission: NotebookNode, full_sources: dict[str, str]
) -> tuple[NotebookNode, dict[str, str]]:
    """The graded notebook, and what the submission altered per graded item. A test
    cell is untouched when it reads as released or as authored (hidden tests included:
    an author's own reference solution is submitted that way)."""
    authored = {_grade_id(c): c for c in release.cells if _grade_id(c)}
    answers_ids = [g for g, c in authored.items() if is_solution(c)]
    tests = [g for g, c in authored.items() if is_grade(c) and not is_solution(c)]

    answers: dict[str, str] = {}
    added: dict[str | None, list] = defaultdict(list)
    seen_tests: list[str] = []
    notes: dict[str, str] = {}
    anchor = None
    for cell in submission.get("cells", []):
        grade_id = _grade_id(cell)
        mine = authored.get(grade_id)
        if grade_id in answers_ids and grade_id not in answers and cell.get("cell_type") == mine.cell_type:
            answers[grade_id] = cell.get("source", "")
            anchor = grade_id
            if _points(cell) != _points(mine) and is_grade(mine):
                notes[grade_id] = "points changed"
        elif mine is not None:
            if grade_id in tests:
                if grade_id in seen_tests:
                    notes[grade_id] = "duplicated"
                elif cell.get("cell_type") != mine.cell_type:
                    notes[grade_id] = "cell type changed"
                elif _normalised(cell.get("source", "")) not in (
                    _normalised(mine.source),
                    _normalised(full_sources.get(grade_id, "")),
                ):
                    notes[grade_id] = "edited"
                elif _points(cell) != _points(mine):
                    notes[grade_id] = "points changed"
                seen_tests.append(grade_id)
        elif cell.get("cell_type") in ("code", "markdown"):
            extra = (
                nbformat.v4.new_code_cell(cell.get("source", ""))
                if cell["cell_type"] == "code"
                else nbformat.v4.new_markdown_cell(cell.get("source", ""))
            )
            extra.id = f"{CANDIDATE_CELL_PREFIX}{sum(map(len, added.values()))}"  # stable: same submission, same bytes
            added[anchor].append(extra)

    for grade_id in tests:
        if grade_id not in seen_tests:
            notes[grade_id] = "deleted"
    in_order = [g for g in dict.fromkeys(seen_tests)]
    expected = [g for g in tests if g in in_order]
    for grade_id, expected_id in zip(in_order, expected):
        if grade_id != expected_id:
            notes.setdefault(grade_id, "moved")

    cells = []
    for cell in release.cells:
        grade_id = _grade_id(cell)
        if answers_ids and grade_id == answers_ids[0]:
            cells.extend(added.pop(None, []))
        kept = copy.deepcopy(cell)
        if grade_id in answers:
            kept.source = answers[grade_id]
        cells.append(kept)
        cells.extend(added.pop(grade_id, []) if grade_id in answers_ids else [])
    cells.extend(c for group in added.values() for c in group)  # a release without answer cells
    rebuilt = copy.deepcopy(release)
    rebuilt.cells = cells
    _unique_ids(rebuilt)
    return rebuilt, notes


def _unique_ids(nb: NotebookNode) -> None:
    seen = set()
    for n, cell in enumerate(nb.cells):
        if cell.get("id") in seen or not cell.get("id"):
            cell.id = f"cell-{n}"
        seen.add(cell.id)
