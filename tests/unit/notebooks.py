"""Small nbgrader notebooks for the unit tests, built cell by cell (the metadata nbgrader's
generate_assignment writes). Tests import it (`from notebooks import ...`)."""

from __future__ import annotations

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def answer(grade_id: str, source: str) -> NotebookNode:
    """A code cell the candidate writes (a solution cell, not graded by itself)."""
    return new_code_cell(
        source, metadata={"nbgrader": _nbgrader(grade_id, grade=False, solution=True, locked=False, points=None)}
    )


def written(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    """A markdown answer graded by hand (solution and grade)."""
    return new_markdown_cell(
        source, metadata={"nbgrader": _nbgrader(grade_id, grade=True, solution=True, locked=False, points=points)}
    )


def autograded(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    """An autograded test cell (grade, locked, not a solution)."""
    return new_code_cell(
        source, metadata={"nbgrader": _nbgrader(grade_id, grade=True, solution=False, locked=True, points=points)}
    )


def brief(grade_id: str, source: str) -> NotebookNode:
    """A locked markdown cell of the author's."""
    return new_markdown_cell(
        source, metadata={"nbgrader": _nbgrader(grade_id, grade=False, solution=False, locked=True, points=None)}
    )


def notebook(*cells: NotebookNode, kernelspec: dict | None = None) -> NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = dict(kernelspec or KERNELSPEC)
    for n, cell in enumerate(nb.cells):
        cell.id = f"cell-{n}"
    return nb


def error(ename: str, evalue: str = "") -> NotebookNode:
    """An error output, as a kernel (or the grader) leaves it on a cell."""
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
