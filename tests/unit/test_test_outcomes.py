"""What running a graded notebook leaves behind, from the grader's pure helpers: a test passes only on the
trusted kernel's `ok` reply, a kernel gets none of the grader's environment, and the release's data files
are put back as released."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from notebooks import autograded, error, notebook

from autograde.engine.grading import item_reasons
from autograde.trust_boundary.preprocessors.execute_in_two_kernels import (
    THREAD_VARIABLES,
    _fail_unless_completed,
    copy_release_files,
    kernel_env,
)


def _cell(*outputs):
    cell = autograded("test_x", "assert f() == 1")
    cell.outputs = list(outputs)
    return cell


def _errors(cell):
    return [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]


def _reason(tmp_path, cell) -> str:
    path = tmp_path / "graded.ipynb"
    nbformat.write(notebook(cell), path)
    return item_reasons(path).get("test_x", "")


# --- a test passes only on an `ok` reply -------------------------------------------------------------------


def test_an_ok_reply_leaves_the_cell_as_it_is(tmp_path):
    """Does a test the trusted kernel answered `ok` stay without an error output, so it passes?"""
    cell = _cell(nbformat.v4.new_output("stream", name="stdout", text="checked\n"))
    _fail_unless_completed(cell, {"content": {"status": "ok"}})
    assert _errors(cell) == [] and _reason(tmp_path, cell) == ""


def test_no_reply_is_an_error_not_a_pass(tmp_path):
    """Does a test that got no reply at all (a kernel kept busy past its limit) get an error output, so it
    scores zero?"""
    cell = _cell(nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n"))
    _fail_unless_completed(cell, None)
    assert _errors(cell) == [
        ("TestDidNotComplete", "the test kernel did not report that the test ran to its end (reply: none)")
    ]
    assert _reason(tmp_path, cell) == "error"


@pytest.mark.parametrize(
    "reply",
    [
        {},
        {"content": {}},
        {"content": {"status": "aborted"}},
        {"content": {"status": "error", "ename": "ValueError"}},
        {"content": {"status": "OK"}},
        {"content": {"status": ["ok"]}},
    ],
    ids=repr,
)
def test_any_reply_but_ok_is_an_error(reply):
    """Does every reply other than `ok` (empty, aborted, an error without an error output, a near miss) add
    an error output?"""
    cell = _cell()
    _fail_unless_completed(cell, reply)
    assert [e for e, _ in _errors(cell)] == ["TestDidNotComplete"]


def test_nbclients_made_up_timeout_reply_is_a_timeout(tmp_path):
    """Does nbclient's made-up CellTimeoutError reply (with no error output on the cell) become a timeout
    error output, read back as `timeout`?"""
    cell = _cell()
    _fail_unless_completed(
        cell, {"content": {"status": "error", "ename": "CellTimeoutError", "evalue": "Cell execution timed out"}}
    )
    assert _errors(cell) == [("CellTimeoutError", "Cell execution timed out")]
    assert _reason(tmp_path, cell) == "timeout"


def test_an_error_already_on_the_cell_is_not_doubled(tmp_path):
    """Does a test that already failed with its own error output keep that one error, and its reason?"""
    cell = _cell(error("AssertionError", "expected 1"))
    _fail_unless_completed(cell, {"content": {"status": "error", "ename": "AssertionError"}})
    assert _errors(cell) == [("AssertionError", "expected 1")]
    assert _reason(tmp_path, cell) == "failed"


# --- a kernel's environment --------------------------------------------------------------------------------


def test_nothing_of_the_graders_environment_reaches_a_kernel(monkeypatch):
    """Do the grader's secrets, its gradebook and MLflow addresses, its PATH and library settings stay out of
    a kernel's environment?"""
    grader = {
        "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
        "NBGRADER_EXECUTION": "autograde",
        "MLFLOW_TRACKING_URI": "http://grader-mlflow:5000",
        "MLFLOW_TRACKING_TOKEN": "tok3n-value",
        "PYTHONPATH": "/grader/site",
        "LD_PRELOAD": "/grader/lib.so",
        "HOME": "/home/grader",
        "PATH": "/grader/secret/bin:/usr/bin",
        "JUPYTER_TOKEN": "jupyt3r-value",
    }
    for name, value in grader.items():
        monkeypatch.setenv(name, value)
    env = kernel_env("/sandbox/home")
    assert set(env) == {"PATH", "LANG", "PYTHONHASHSEED", "MPLCONFIGDIR", "IPYTHONDIR", "MLFLOW_TRACKING_URI"} | (
        {"CUDA_VISIBLE_DEVICES"} if "CUDA_VISIBLE_DEVICES" in os.environ else set()
    )
    text = "\n".join(env.values())
    for value in ("s3cr3t", "tok3n", "jupyt3r", "grader-mlflow", "/grader", "/home/grader"):
        assert value not in text
    assert env["MLFLOW_TRACKING_URI"] == "sqlite:////sandbox/home/mlflow.db"
    assert env["MPLCONFIGDIR"].startswith("/sandbox/home/") and env["IPYTHONDIR"].startswith("/sandbox/home/")


def test_thread_caps_are_set_only_when_asked(monkeypatch):
    """Are the numeric libraries' thread variables set to the grader's cap when one is given, and left unset
    (not inherited from the grader) otherwise?"""
    monkeypatch.setenv("OMP_NUM_THREADS", "64")
    assert not set(THREAD_VARIABLES) & set(kernel_env("/h"))
    capped = kernel_env("/h", threads=2)
    assert {name: capped[name] for name in THREAD_VARIABLES} == dict.fromkeys(THREAD_VARIABLES, "2")


def test_the_gpu_choice_is_passed_on_only_when_the_grader_made_one(monkeypatch):
    """Does CUDA_VISIBLE_DEVICES reach a kernel as the grader set it, and not at all when it is unset?"""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert "CUDA_VISIBLE_DEVICES" not in kernel_env("/h")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    assert kernel_env("/h")["CUDA_VISIBLE_DEVICES"] == "1"


# --- data as released ------------------------------------------------------------------------------------------


@pytest.fixture
def release(tmp_path) -> Path:
    folder = tmp_path / "release"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "values.csv").write_text("a,b\n1,2\n")
    (folder / "README.md").write_text("read me\n")
    (folder / "task.ipynb").write_text('{"released": true}')
    return folder


def test_release_files_are_copied_except_notebooks(release, tmp_path):
    """Are the release's data files copied into the working folder, its notebook left to the rebuilt one?"""
    target = tmp_path / "work"
    target.mkdir()
    (target / "task.ipynb").write_text("the graded notebook")
    copy_release_files(release, target)
    assert (target / "data" / "values.csv").read_text() == "a,b\n1,2\n"
    assert (target / "README.md").read_text() == "read me\n"
    assert (target / "task.ipynb").read_text() == "the graded notebook"


def test_data_the_submission_changed_is_put_back(release, tmp_path):
    """Does a data file the candidate edited in their submission come back as released?"""
    target = tmp_path / "work"
    (target / "data").mkdir(parents=True)
    (target / "data" / "values.csv").write_text("a,b\n0,0\n")
    (target / "data" / "own.csv").write_text("kept")
    copy_release_files(release, target)
    assert (target / "data" / "values.csv").read_text() == "a,b\n1,2\n"
    assert (target / "data" / "own.csv").read_text() == "kept"


def test_a_symlink_in_place_of_a_data_file_is_replaced_not_written_through(release, tmp_path):
    """When the working folder holds a symlink where a release file goes, is the link replaced by the file,
    leaving what it pointed to untouched?"""
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours")
    target = tmp_path / "work"
    (target / "data").mkdir(parents=True)
    os.symlink(victim, target / "data" / "values.csv")
    copy_release_files(release, target)
    assert victim.read_text() == "not yours"
    assert not (target / "data" / "values.csv").is_symlink()
    assert (target / "data" / "values.csv").read_text() == "a,b\n1,2\n"


def test_a_folder_in_place_of_a_data_file_is_replaced(release, tmp_path):
    """When the working folder holds a folder where a release file goes, is it replaced by the file?"""
    target = tmp_path / "work"
    (target / "data" / "values.csv" / "inner").mkdir(parents=True)
    copy_release_files(release, target)
    assert (target / "data" / "values.csv").read_text() == "a,b\n1,2\n"
