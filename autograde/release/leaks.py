"""Finds solution or hidden-test text that reached a release.

A line leaks when it sits inside a solution, hidden-test or mark-scheme region
of the source (or a solution cell nbgrader replaces whole, or a region whose
BEGIN marker is mistyped), does not also appear outside those regions, and can
be read in the release: as a line of any file there, or quoted inside a longer
line (hints and notices are scanned too)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbgrader.utils import is_solution

from autograde.assessment.task import Task
from autograde.layout import AUTHOR_ONLY

MARKER = re.compile(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS|MARK SCHEME)")
REGION_START = re.compile(r"BEGIN (SOLUTION|HIDDEN TESTS|MARK SCHEME)")
REGION_END = re.compile(r"END (SOLUTION|HIDDEN TESTS|MARK SCHEME)")
MIN_LINE = 12  # shorter lines ("return x", "pass") are too common to call a leak
MIN_QUOTED = 40  # a line this long found inside other text (a hint, a notice) is quoted, not a coincidence


def _split_source(notebook: Path) -> tuple[set[str], set[str]]:
    hidden, public = set(), set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        lines = [x.strip() for x in cell.source.splitlines()]
        solution = is_solution(cell)
        whole_cell_hidden = solution and not any(REGION_START.search(x) for x in lines)
        inside, since_boundary = False, []
        for text in lines:
            if REGION_START.search(text):
                inside, since_boundary = True, []
            elif REGION_END.search(text):
                if not inside and solution:
                    # an END with no BEGIN: the BEGIN is mistyped, so nbgrader keeps what came before
                    hidden.update(since_boundary)
                    public.difference_update(since_boundary)
                inside, since_boundary = False, []
            elif text:
                (hidden if inside or whole_cell_hidden else public).add(text)
                since_boundary.append(text)
    return hidden, public


def _release_text(release_dir: Path) -> dict[str, tuple[set[str], str]]:
    """Per readable file: its lines (a notebook's cell sources) and its whole text."""
    texts = {}
    for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        name = str(path.relative_to(release_dir))
        if path.suffix == ".ipynb":
            text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        else:
            text = path.read_bytes().decode("utf-8", errors="ignore")
        texts[name] = ({x.strip() for x in text.splitlines()}, text)
    return texts


def find_leaks(task: Task, release_dir: Path) -> list[str]:
    leaks = [f"author-only '{name}' is in the release" for name in AUTHOR_ONLY if (release_dir / name).exists()]
    for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for match in sorted({m.group(0) for m in MARKER.finditer(text)}):
            leaks.append(f"{path.relative_to(release_dir)}: marker text '{match}'")
    hidden, public = _split_source(task.notebook)
    secret = {x for x in hidden - public if len(x) >= MIN_LINE and not MARKER.search(x)}
    public_text = "\n".join(public)
    quotable = {x for x in secret if len(x) >= MIN_QUOTED and x not in public_text}
    for name, (lines, text) in _release_text(release_dir).items():
        found = (secret & lines) | {x for x in quotable if x in text}
        for line in sorted(found):
            leaks.append(f"{name}: hidden line '{line}'")
    return leaks
