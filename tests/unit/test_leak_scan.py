"""The release leak scan: solution and hidden-test lines, marker text and author-only files that reached
a release are found, and what the release may legitimately show is not flagged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from notebooks import answer, autograded, brief, notebook

from autograde.release.leaks import MIN_LINE, MIN_QUOTED, find_leaks

SECRET = "mean_of_rows = train.mean(axis=0)"  # a solution line, under MIN_QUOTED
LONG_SECRET = "scaled = (values - mean_of_rows) / train.std(axis=0, ddof=0)"  # a solution line of MIN_QUOTED or more
HIDDEN = "assert standardize(secret_rows, other_rows) == expected_hidden"
SHORT = "return x"  # in the solution too, but too common to call a leak
SHARED = "import numpy as np"  # in the solution region and outside it


def _source(folder: Path, solution_extra: str = "") -> Path:
    """A source notebook with a solution region, a hidden-test region and a public test."""
    nb = notebook(
        brief("intro", "# Standardise\nUse the training rows only."),
        answer(
            "standardize",
            f"{SHARED}\n\ndef standardize(train, values):\n    ### BEGIN SOLUTION\n"
            f"    {SHARED}\n    {SECRET}\n    {LONG_SECRET}\n    {SHORT}\n"
            f"    ### END SOLUTION\n{solution_extra}",
        ),
        autograded(
            "test_standardize",
            f"assert standardize(a, b).shape == (2, 2)\n### BEGIN HIDDEN TESTS\n{HIDDEN}\n### END HIDDEN TESTS",
        ),
    )
    path = folder / "task.ipynb"
    nbformat.write(nb, path)
    return path


def _released(folder: Path, *extra_cells: str) -> Path:
    """A release folder holding the notebook as nbgrader releases it (regions replaced), plus `extra_cells`."""
    release = folder / "release"
    release.mkdir()
    nb = notebook(
        brief("intro", "# Standardise\nUse the training rows only."),
        answer(
            "standardize",
            f"{SHARED}\n\ndef standardize(train, values):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
        ),
        autograded("test_standardize", "assert standardize(a, b).shape == (2, 2)"),
        *(nbformat.v4.new_code_cell(text) for text in extra_cells),
    )
    nbformat.write(nb, release / "task.ipynb")
    (release / "data").mkdir()
    (release / "data" / "values.csv").write_text("a,b\n1,2\n")
    return release


@pytest.fixture
def task(tmp_path):
    return SimpleNamespace(notebook=_source(tmp_path))  # find_leaks reads only the source notebook


def test_the_sample_lines_are_sized_as_the_scan_expects():
    """Are this file's sample lines on the sides of the scan's length thresholds that the tests assume?"""
    assert MIN_LINE <= len(SECRET) < MIN_QUOTED <= len(LONG_SECRET) and len(SHORT) < MIN_LINE <= len(HIDDEN)


def test_a_clean_release_has_no_leaks(task, tmp_path):
    """Does a release as nbgrader makes it (regions replaced, data beside) pass the scan?"""
    assert find_leaks(task, _released(tmp_path)) == []


@pytest.mark.parametrize("line", [SECRET, LONG_SECRET, HIDDEN])
def test_a_solution_or_hidden_line_in_the_release_notebook_is_found(task, tmp_path, line):
    """Is a line of a solution or hidden-test region that appears in a release notebook's cell reported?"""
    leaks = find_leaks(task, _released(tmp_path, f"x = 1\n    {line}   "))
    assert leaks == [f"task.ipynb: hidden line '{line}'"]


def test_a_solution_line_in_any_release_file_is_found(task, tmp_path):
    """Is a solution line written as a line of a non-notebook file (a helper module, notes) reported?"""
    release = _released(tmp_path)
    (release / "helpers.py").write_text(f"def helper(train):\n    {SECRET}\n")
    assert find_leaks(task, release) == [f"helpers.py: hidden line '{SECRET}'"]


def test_a_long_solution_line_quoted_inside_a_hint_is_found(task, tmp_path):
    """Is a long solution line quoted inside other text (a hint, a notice) reported, while a short one
    quoted the same way is not (it could be a coincidence)?"""
    release = _released(tmp_path)
    (release / "HINTS.md").write_text(f"Hint 2: try `{LONG_SECRET}` after computing the mean.\n")
    assert find_leaks(task, release) == [f"HINTS.md: hidden line '{LONG_SECRET}'"]
    (release / "HINTS.md").write_text(f"Hint 2: try `{SECRET}` first.\n")
    assert find_leaks(task, release) == []


def test_short_and_public_lines_are_not_flagged(task, tmp_path):
    """Are solution lines that are short (`return x`) or also written outside the regions (an import) left alone?"""
    release = _released(tmp_path, f"def f(x):\n    {SHORT}", SHARED)
    assert find_leaks(task, release) == []


@pytest.mark.parametrize("marker", ["### BEGIN SOLUTION", "### END HIDDEN TESTS", "=== BEGIN MARK SCHEME ==="])
def test_marker_text_in_a_release_file_is_found(task, tmp_path, marker):
    """Is nbgrader marker text left in any release file reported (a region nbgrader did not replace)?"""
    release = _released(tmp_path)
    (release / "notes.txt").write_text(f"see below\n{marker}\n")
    match = marker.strip("#= ")
    assert find_leaks(task, release) == [f"notes.txt: marker text '{match}'"]


@pytest.mark.parametrize("name", ["fixtures", "task.yaml", "hidden"])
def test_author_only_files_in_the_release_are_found(task, tmp_path, name):
    """Is an author-only file or folder (fixtures, task.yaml, hidden) in the release reported?"""
    release = _released(tmp_path)
    if name == "task.yaml":
        (release / name).write_text("title: x\n")
    else:
        (release / name).mkdir()
    assert f"author-only '{name}' is in the release" in find_leaks(task, release)


def test_a_mistyped_begin_marker_exposes_what_nbgrader_keeps(tmp_path):
    """With a mistyped BEGIN marker (nbgrader then keeps the region's lines in the release), are the lines
    between the last boundary and the orphan END treated as solution, so a release showing them is flagged?"""
    typo = "mistyped_region_secret = fit_the_model(train)"
    source = _source(tmp_path, solution_extra=f"\ndef g():\n    ### BEGN SOLUTION\n    {typo}\n    ### END SOLUTION")
    task = SimpleNamespace(notebook=source)
    clean, leaky = tmp_path / "clean", tmp_path / "leaky"
    clean.mkdir()
    leaky.mkdir()
    assert find_leaks(task, _released(clean)) == []
    assert find_leaks(task, _released(leaky, f"def g():\n    {typo}")) == [f"task.ipynb: hidden line '{typo}'"]


def test_a_solution_cell_without_regions_is_secret_whole(tmp_path):
    """Is every line of a solution cell without BEGIN/END regions (nbgrader replaces the whole cell) a solution line?"""
    whole = "weights = np.linalg.lstsq(features, target, rcond=None)[0]"
    path = tmp_path / "task.ipynb"
    nbformat.write(notebook(answer("fit", f"def fit(features, target):\n    {whole}\n    return weights")), path)
    release = tmp_path / "release"
    release.mkdir()
    (release / "solution_sketch.py").write_text(f"{whole}\n")
    assert find_leaks(SimpleNamespace(notebook=path), release) == [f"solution_sketch.py: hidden line '{whole}'"]


def test_a_long_solution_line_the_public_code_itself_quotes_is_not_flagged(tmp_path):
    """Is a long solution line that the released part of the notebook already quotes (a comment outside the
    regions, as the author wrote it) left alone when the release shows that comment?"""
    comment = f"# the reference does: {LONG_SECRET} (not shown)"
    task = SimpleNamespace(notebook=_source(tmp_path, solution_extra=comment))
    release = tmp_path / "with_comment"
    release.mkdir()
    assert find_leaks(task, _released(release, comment)) == []
