"""The hand-off to candidates: a release folder they can use alone (how to start, how long, what is
graded, the environment pinned to the grader's versions, no grader tools), Run All that shows every
visible check, and `mlassess lab` that serves the release as a candidate sees it."""

import socket
import subprocess
import urllib.error
import urllib.request
from importlib.metadata import version

import nbformat
import pytest
from nbclient import NotebookClient

from autograde import api
from helpers import CHROMIUM, FIXTURE_TASK, FIXTURE_TASKS, Browser, wait_for_jupyter

TASK = FIXTURE_TASK.name


@pytest.fixture
def release(tmp_path):
    return api.build(tmp_path / "course", FIXTURE_TASKS).releases[TASK]


def test_the_release_says_how_to_start_how_long_and_what_is_graded(release):
    """Does the release folder tell a candidate alone how to set up, how long they have (the one
    number their notebook states), what is graded, and how to hand in?"""
    start = (release / "START-HERE.md").read_text()
    assert "**Time: 10 minutes**" in start  # the task's time budget
    assert "3 automatic check(s), 4 point(s)" in " ".join(start.split())
    assert "1 written answer(s), 1 point(s)" in " ".join(start.split())
    assert "pip install -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cpu" in start
    assert "jupyter lab standardize-features.ipynb" in start and "Handing in" in start


def test_the_candidate_environment_pins_what_the_notebook_uses_and_no_grader_tools(release):
    """Is requirements.txt what the notebook imports (and the front end), at the grader's exact versions,
    without nbgrader, whose menus would otherwise appear in the candidate's JupyterLab?"""
    pins = dict(line.split("==") for line in (release / "requirements.txt").read_text().splitlines() if "==" in line)
    for name in ("numpy", "pandas", "jupyterlab", "ipykernel"):
        assert pins[name] == version(name).split("+")[0]
    assert not {"nbgrader", "mlassess", "torch", "jupyter-server"} & set(pins)


def test_run_all_on_the_blank_release_shows_every_visible_checks_outcome(release):
    """Does Run All on the blank release run to the end past failing checks, leaving each visible
    check's outcome under its cell, as a candidate's JupyterLab would?"""
    notebook = release / f"{TASK}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(release)}}).execute()
    checks = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    checks = [c for c in checks if not c.metadata["nbgrader"].get("solution")]
    failed = [c for c in checks if any(o.output_type == "error" for o in c.outputs)]
    assert len(failed) >= 2, "Run All stopped at the first failing check"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), "a cell after a failure never ran"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium; .ci/run installs it")
def test_lab_serves_the_release_as_a_candidate_sees_it_without_rebuilding(tmp_path):
    """Does `mlassess lab` build a missing release, not rebuild an up-to-date one, and serve a JupyterLab
    whose menus and server hold none of nbgrader's instructor tools?"""
    course = tmp_path / "course"
    first = api.lab(course, FIXTURE_TASKS, TASK, port=_free_port(), token="t")
    assert first.built and first.folder == course / "release" / TASK
    stamp = (first.folder / f"{TASK}.ipynb").stat().st_mtime_ns
    port = _free_port()
    launch = api.lab(course, FIXTURE_TASKS, TASK, port=port, token="t")
    assert not launch.built and (launch.folder / f"{TASK}.ipynb").stat().st_mtime_ns == stamp

    server = subprocess.Popen(launch.command, env=launch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = None
    try:
        wait_for_jupyter(server, port, "t")
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader?token=t", timeout=10)
        assert gone.value.code == 404
        browser = Browser(tmp_path / "profile")
        browser.open(f"http://127.0.0.1:{port}/lab/tree/{TASK}.ipynb?token=t")
        browser.wait_for("document.querySelector('.lm-MenuBar-content') && document.querySelector('.jp-Notebook')")
        menus = browser.evaluate("document.querySelector('.lm-MenuBar-content').innerText")
        assert "File" in menus and "Nbgrader" not in menus, menus
        assert "Create Assignment" not in browser.evaluate("document.body.innerText")
    finally:
        if browser:
            browser.close()
        server.terminate()
        server.wait(timeout=30)
