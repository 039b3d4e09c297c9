"""The graded notebook is rebuilt from the release: only the candidate's answers and added cells come
from the submission; test cells, points, cell types, order and kernel are the author's, and each test
the submission altered is named with how."""

from __future__ import annotations

import copy

import nbformat
import pytest
from notebooks import answer, autograded, brief, grade_id, notebook, written

from autograde.trust_boundary.notes import CANDIDATE_CELL_PREFIX
from autograde.trust_boundary.preprocessors.rebuild_from_release import rebuild

TEST_A = "assert add(1, 2) == 3"
TEST_B = "assert add(-1, 1) == 0\nassert add(0, 0) == 0"
HIDDEN_B = TEST_B + "\n### BEGIN HIDDEN TESTS\nassert add(10, 5) == 15\n### END HIDDEN TESTS"
STUB = "def add(a, b):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
SOLVED = "def add(a, b):\n    return a + b"


def _release():
    return notebook(
        brief("intro", "# Add two numbers"),
        answer("add", STUB),
        autograded("test_a", TEST_A, points=1),
        autograded("test_b", TEST_B, points=2),
        written("why", "YOUR ANSWER HERE", points=1),
    )


FULL_SOURCES = {"test_a": TEST_A, "test_b": HIDDEN_B, "add": "def add(a, b):\n    return a + b", "why": "Because."}


def _submission(release=None):
    """The release as a candidate hands it back, with the answers filled in."""
    nb = copy.deepcopy(release or _release())
    for cell in nb.cells:
        if grade_id(cell) == "add":
            cell.source = SOLVED
        elif grade_id(cell) == "why":
            cell.source = "Because addition commutes."
    return nb


def _cell(nb, wanted):
    cells = [c for c in nb.cells if grade_id(c) == wanted]
    assert len(cells) == 1, f"{wanted}: {len(cells)} cells"
    return cells[0]


def _ids(nb):
    return [grade_id(c) or c.source for c in nb.cells]


def _rebuild(submission):
    rebuilt, notes = rebuild(_release(), submission, FULL_SOURCES)
    nbformat.validate(rebuilt)
    return rebuilt, notes


def test_an_honest_submission_is_the_release_with_its_answers():
    """Does an untouched submission rebuild to the release's cells with the candidate's answers in, and no notes?"""
    rebuilt, notes = _rebuild(_submission())
    assert notes == {}
    assert _ids(rebuilt) == ["intro", "add", "test_a", "test_b", "why"]
    assert _cell(rebuilt, "add").source == SOLVED
    assert _cell(rebuilt, "why").source == "Because addition commutes."
    assert _cell(rebuilt, "test_a").source == TEST_A and _cell(rebuilt, "test_b").source == TEST_B


def test_an_edited_test_is_restored_and_marked_tampered():
    """Does a test cell the candidate edited get the author's source back, with the note `edited`?"""
    submission = _submission()
    _cell(submission, "test_a").source = "assert True"
    rebuilt, notes = _rebuild(submission)
    assert notes == {"test_a": "edited"}
    assert _cell(rebuilt, "test_a").source == TEST_A


def test_whitespace_only_edits_are_not_tampering():
    """Are trailing blanks, CRLF line endings and blank lines around a test's source (what editors do)
    not counted as tampering?"""
    submission = _submission()
    _cell(submission, "test_b").source = "\n\r\n" + TEST_B.replace("\n", "   \r\n") + "  \n\n"
    rebuilt, notes = _rebuild(submission)
    assert notes == {}
    assert _cell(rebuilt, "test_b").source == TEST_B


def test_a_changed_indent_or_blank_line_inside_a_test_is_an_edit():
    """Is a change inside a test (a line's indentation, a blank line between lines) an edit?"""
    for edited in (TEST_B.replace("\n", "\n    "), TEST_B.replace("\n", "\n\n")):
        submission = _submission()
        _cell(submission, "test_b").source = edited
        assert _rebuild(submission)[1] == {"test_b": "edited"}


def test_a_test_submitted_with_its_hidden_tests_is_not_tampered():
    """Is a test cell submitted as the author wrote it (hidden tests included, as the author's own reference
    solution is submitted) untouched, while an altered hidden region is an edit?"""
    submission = _submission()
    _cell(submission, "test_b").source = HIDDEN_B
    rebuilt, notes = _rebuild(submission)
    assert notes == {} and _cell(rebuilt, "test_b").source == TEST_B  # graded from the release
    _cell(submission, "test_b").source = HIDDEN_B.replace("15", "16")
    assert _rebuild(submission)[1] == {"test_b": "edited"}


def test_a_deleted_test_is_put_back_and_marked():
    """Does a test cell the candidate deleted come back in its place, marked `deleted`?"""
    submission = _submission()
    submission.cells = [c for c in submission.cells if grade_id(c) != "test_b"]
    rebuilt, notes = _rebuild(submission)
    assert notes == {"test_b": "deleted"}
    assert _ids(rebuilt) == ["intro", "add", "test_a", "test_b", "why"]
    assert _cell(rebuilt, "test_b").source == TEST_B


def test_a_duplicated_test_is_graded_once_and_marked():
    """Does a test cell that appears twice in the submission appear once in the graded notebook, marked `duplicated`?"""
    submission = _submission()
    submission.cells.append(copy.deepcopy(_cell(submission, "test_a")))
    rebuilt, notes = _rebuild(submission)
    assert notes == {"test_a": "duplicated"}
    assert _ids(rebuilt) == ["intro", "add", "test_a", "test_b", "why"]


def test_moved_tests_are_put_back_in_the_authors_order():
    """Do test cells the candidate reordered run in the author's order, each marked `moved`?"""
    submission = _submission()
    a, b = _cell(submission, "test_a"), _cell(submission, "test_b")
    ia, ib = submission.cells.index(a), submission.cells.index(b)
    submission.cells[ia], submission.cells[ib] = b, a
    rebuilt, notes = _rebuild(submission)
    assert notes == {"test_a": "moved", "test_b": "moved"}
    assert _ids(rebuilt) == ["intro", "add", "test_a", "test_b", "why"]


def test_changed_points_are_the_authors_and_marked():
    """Do points the candidate changed on a test cell or a graded answer stay the author's, marked `points changed`?"""
    submission = _submission()
    _cell(submission, "test_a").metadata.nbgrader.points = 100
    _cell(submission, "why").metadata.nbgrader.points = 50
    rebuilt, notes = _rebuild(submission)
    assert notes == {"test_a": "points changed", "why": "points changed"}
    assert _cell(rebuilt, "test_a").metadata.nbgrader.points == 1
    assert _cell(rebuilt, "why").metadata.nbgrader.points == 1
    assert _cell(rebuilt, "why").source == "Because addition commutes."  # the answer itself is still graded


def test_a_test_turned_into_markdown_is_restored_as_code():
    """Does a test cell the candidate turned into markdown (so it would not run) come back as the author's
    code cell, marked `cell type changed`?"""
    submission = _submission()
    index = submission.cells.index(_cell(submission, "test_a"))
    old = submission.cells[index]
    submission.cells[index] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
    rebuilt, notes = _rebuild(submission)
    assert notes == {"test_a": "cell type changed"}
    assert _cell(rebuilt, "test_a").cell_type == "code" and _cell(rebuilt, "test_a").source == TEST_A


def test_an_answer_of_the_wrong_cell_type_is_not_taken():
    """Is an answer cell the candidate changed to another cell type left as released (the answer is not taken)?"""
    submission = _submission()
    index = submission.cells.index(_cell(submission, "add"))
    submission.cells[index] = nbformat.v4.new_markdown_cell(SOLVED, metadata=submission.cells[index].metadata)
    rebuilt, _ = _rebuild(submission)
    assert _cell(rebuilt, "add").cell_type == "code" and _cell(rebuilt, "add").source == STUB


def test_added_cells_are_kept_after_the_answer_they_followed():
    """Are cells the candidate added kept, in order, after the answer cell they followed (and those before any
    answer, before the first answer), as plain cells with stable ids?"""
    submission = _submission()
    cells = submission.cells
    cells.insert(0, nbformat.v4.new_markdown_cell("my notes"))
    cells.insert(cells.index(_cell(submission, "add")) + 1, nbformat.v4.new_code_cell("helper = 1"))
    cells.insert(cells.index(_cell(submission, "test_a")) + 1, nbformat.v4.new_code_cell("print(add(2, 2))"))
    cells.append(nbformat.v4.new_code_cell("after_why = 1"))
    rebuilt, notes = _rebuild(submission)
    assert notes == {}
    assert _ids(rebuilt) == [
        "intro",
        "my notes",
        "add",
        "helper = 1",
        "print(add(2, 2))",
        "test_a",
        "test_b",
        "why",
        "after_why = 1",
    ]
    added = [c for c in rebuilt.cells if c.id.startswith(CANDIDATE_CELL_PREFIX)]
    assert [c.source for c in added] == ["my notes", "helper = 1", "print(add(2, 2))", "after_why = 1"]
    assert nbformat.writes(rebuild(_release(), submission, FULL_SOURCES)[0]) == nbformat.writes(rebuilt)


def test_an_added_cell_claiming_to_be_graded_is_a_plain_cell():
    """Does a cell the candidate added with nbgrader metadata of its own (a new graded cell, a grade id the
    release does not have) come in without that metadata, so it is neither graded nor locked?"""
    submission = _submission()
    fake = autograded("test_bonus", "assert True", points=100)
    fake.outputs = [nbformat.v4.new_output("stream", name="stdout", text="passed")]
    submission.cells.insert(2, fake)
    rebuilt, notes = _rebuild(submission)
    assert notes == {}
    kept = [c for c in rebuilt.cells if c.source == "assert True"]
    assert len(kept) == 1 and "nbgrader" not in kept[0].metadata and kept[0].outputs == []
    assert "test_bonus" not in _ids(rebuilt)


def test_raw_cells_the_candidate_added_are_dropped():
    """Is a raw cell the candidate added (content nbconvert passes through unescaped) left out?"""
    submission = _submission()
    submission.cells.insert(2, nbformat.v4.new_raw_cell("<script>alert(1)</script>"))
    rebuilt, _ = _rebuild(submission)
    assert all("<script>" not in c.source for c in rebuilt.cells)


def test_outputs_the_candidate_wrote_into_a_test_are_not_kept():
    """Does a test cell submitted with made-up outputs and execution count come back as released (none)?"""
    submission = _submission()
    cell = _cell(submission, "test_a")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed")]
    cell.execution_count = 3
    rebuilt, notes = _rebuild(submission)
    assert notes == {}
    assert _cell(rebuilt, "test_a").outputs == [] and _cell(rebuilt, "test_a").execution_count is None


def test_the_kernel_and_notebook_metadata_are_the_releases():
    """Does a submission that names another kernel (or language) get graded with the release's kernelspec?"""
    submission = _submission()
    submission.metadata["kernelspec"] = {"name": "evil", "display_name": "Evil", "language": "bash"}
    submission.metadata["language_info"] = {"name": "bash"}
    rebuilt, _ = _rebuild(submission)
    assert rebuilt.metadata["kernelspec"] == _release().metadata["kernelspec"]
    assert "language_info" not in rebuilt.metadata


def test_a_second_copy_of_an_answer_does_not_replace_the_first():
    """When the submission holds an answer cell twice, is the first copy the one graded, and only once?"""
    submission = _submission()
    second = copy.deepcopy(_cell(submission, "add"))
    second.source = "def add(a, b):\n    return 0"
    submission.cells.append(second)
    rebuilt, _ = _rebuild(submission)
    assert _cell(rebuilt, "add").source == SOLVED


@pytest.mark.parametrize("duplicate_ids", [False, True])
def test_cell_ids_are_unique(duplicate_ids):
    """Are the rebuilt notebook's cell ids unique, even when the candidate reused ids of the release's cells?"""
    submission = _submission()
    if duplicate_ids:
        for cell in submission.cells:
            cell.id = "same"
        submission.cells.insert(1, nbformat.v4.new_code_cell("x = 1"))
        submission.cells[1].id = "cell-1"
    rebuilt, _ = _rebuild(submission)
    ids = [c.id for c in rebuilt.cells]
    assert len(ids) == len(set(ids))
