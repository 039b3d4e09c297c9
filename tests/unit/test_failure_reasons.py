"""How a grading run's outcome is read back: nbgrader's failure text as `error` (retried) or `ungradable`
(never retried) with the exception that caused it, and each graded item's reason from the graded notebook."""

from __future__ import annotations

import nbformat
import pytest
from notebooks import answer, autograded, brief, error, notebook, written

from autograde.engine.grading import _failure, item_reasons
from autograde.trust_boundary.notes import NOTE_KEY

WRAPPER = (
    "Traceback (most recent call last):\n"
    '  File "nbgrader/converters/base.py", line 420, in convert_notebooks\n'
    "    raise NbGraderException(msg)\n"
    "nbgrader.converters.base.NbGraderException: Please see the error log above for details.\n"
)


def _result(log: str, error_text: str = WRAPPER) -> dict:
    return {"success": False, "error": error_text, "log": log}


# --- nbgrader's failure ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: 'garbage'",
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
        "jsonschema.exceptions.ValidationError: 'cells' is a required property",
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    ],
)
def test_an_unreadable_notebook_is_ungradable(line):
    """Is a submission whose notebook cannot be read (not JSON, not a notebook, not UTF-8) `ungradable`, with
    that exception as the reason?"""
    log = f"[ERROR] There was an error processing assignment\nTraceback (most recent call last):\n{line}\n"
    assert _failure(_result(log)) == ("ungradable", line)


def test_a_grading_failure_is_an_error_with_its_cause_not_nbgraders_wrapper():
    """Is a run that failed for another reason (no sandbox) an `error` whose reason is the cause, not
    nbgrader's NbGraderException wrapper?"""
    cause = "autograde.trust_boundary.sandbox.SandboxUnavailable: bubblewrap cannot create namespaces here"
    log = f'[INFO] Autograding\n[ERROR] Traceback (most recent call last):\n  File "y"\n{cause}\n'
    assert _failure(_result(log)) == ("error", cause)


def test_the_last_exception_is_the_reason():
    """When the text holds a chain of exceptions, is the last one (the one that ended the run) the reason?"""
    log = (
        "KeyError: 'cells'\n\nDuring handling of the above exception, another exception occurred:\n\n"
        "RuntimeError: kernel died before replying to kernel_info\n"
    )
    assert _failure(_result(log)) == ("error", "RuntimeError: kernel died before replying to kernel_info")


def test_source_lines_that_mention_an_error_are_not_reasons():
    """Are traceback source lines (`raise ValueError(...)`, `except OSError:`) not taken as the exception?"""
    log = "    raise ValueError('x: y')\n    except OSError: pass\nTimeoutError: kernel did not start: 60 s\n"
    assert _failure(_result(log)) == ("error", "TimeoutError: kernel did not start: 60 s")


def test_a_failure_without_a_recognisable_exception_is_an_error():
    """Does a failure with no exception line (or no text at all) read as `error`, `autograde failed`?"""
    assert _failure({"success": False}) == ("error", "autograde failed")
    assert _failure({"success": False, "error": None, "log": None}) == ("error", "autograde failed")
    assert _failure(_result("[ERROR] something went wrong\n")) == ("error", "autograde failed")


def test_the_reason_is_cut_at_500_characters():
    """Is a very long exception message cut to 500 characters in the reason?"""
    status, reason = _failure(_result("OSError: " + "x" * 2000 + "\n"))
    assert status == "error" and reason == ("OSError: " + "x" * 2000)[:500]


# --- reasons per graded item ---------------------------------------------------------------------------------


def _graded(tmp_path, *cells) -> dict[str, str]:
    path = tmp_path / "graded.ipynb"
    nbformat.write(notebook(*cells), path)
    return item_reasons(path)


def _test_with(grade_id: str, *outputs, tampered: str | None = None):
    cell = autograded(grade_id, "assert f() == 1")
    cell.outputs = list(outputs)
    if tampered:
        cell.metadata[NOTE_KEY] = {"tampered": tampered}
    return cell


@pytest.mark.parametrize(
    "ename, reason",
    [
        ("AssertionError", "failed"),
        ("CellTimeoutError", "timeout"),
        ("KeyboardInterrupt", "timeout"),
        ("CandidateTimeout", "timeout"),
        ("NotebookTimeoutError", "timeout"),
        ("CandidateKernelDied", "crashed"),
        ("TrustedKernelDied", "crashed"),
        ("CandidateRaised", "error"),
        ("TestDidNotComplete", "error"),
        ("ValueError", "error"),
        ("NameError", "error"),
    ],
)
def test_an_error_output_gives_its_reason(tmp_path, ename, reason):
    """Does a graded cell's error output give the reason the grader sees (failed, timeout, crashed, error)?"""
    reasons = _graded(tmp_path, _test_with("test_x", error(ename, "why")))
    assert reasons == {"test_x": reason}


def test_a_passed_test_has_no_reason(tmp_path):
    """Does a graded cell without an error output (printed text included) have no reason (it passed)?"""
    stream = nbformat.v4.new_output("stream", name="stdout", text="AssertionError: printed, not raised\n")
    reasons = _graded(tmp_path, _test_with("test_ok", stream), _test_with("test_bad", error("AssertionError")))
    assert reasons.get("test_ok", "") == "" and reasons["test_bad"] == "failed"


def test_the_first_error_decides(tmp_path):
    """When a cell holds several error outputs, does the first one give the reason?"""
    reasons = _graded(
        tmp_path,
        _test_with("test_x", error("AssertionError"), error("CellTimeoutError")),
        _test_with("test_y", error("CellTimeoutError"), error("AssertionError")),
    )
    assert reasons == {"test_x": "failed", "test_y": "timeout"}


def test_a_tampered_item_says_so_whatever_its_outcome(tmp_path):
    """Is an item the submission altered reported `tampered`, whether its test then passed or failed?"""
    reasons = _graded(
        tmp_path,
        _test_with("test_passed", tampered="edited"),
        _test_with("test_failed", error("AssertionError"), tampered="deleted"),
        _test_with("test_noted", error("AssertionError")),
    )
    assert reasons == {"test_passed": "tampered", "test_failed": "tampered", "test_noted": "failed"}


def test_another_note_is_not_tampering(tmp_path):
    """Does a grader note that is not `tampered` (hidden labels read) leave the reason to the outputs?"""
    cell = _test_with("test_x")
    cell.metadata[NOTE_KEY] = {"hidden_labels": "gave"}
    assert _graded(tmp_path, cell).get("test_x", "") == ""


def test_only_graded_cells_have_reasons(tmp_path):
    """Are ungraded cells (an answer cell, the brief, a candidate's own cell) left out even with error outputs,
    while a graded written answer and an autograded answer cell are read?"""
    solution = answer("impl", "def f(): ...")
    solution.outputs = [error("NameError")]
    own = nbformat.v4.new_code_cell("boom()")
    own.outputs = [error("NameError")]
    auto_answer = answer("auto", "x = 1")
    auto_answer.metadata.nbgrader.update(grade=True, points=1)
    auto_answer.outputs = [error("ValueError")]
    why = written("why", "Because.")
    why.metadata[NOTE_KEY] = {"tampered": "points changed"}
    reasons = _graded(tmp_path, brief("intro", "# Task"), solution, own, auto_answer, why)
    assert reasons == {"auto": "error", "why": "tampered"}
