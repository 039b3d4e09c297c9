"""The grading path's own promises under attack, each through a real `mlassess grade` of the fixture task:
a test passes only when the trusted kernel says it ran to its end, and the grader's memory stays bounded
whatever a candidate kernel publishes."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

import nbformat
import psutil

from helpers import BIN, FIXTURE_TASK, run_tool

TASK = FIXTURE_TASK.name
NOTEBOOK = f"{TASK}.ipynb"


def _set_test_source(tasks, grade_id: str, source: str) -> None:
    path = tasks / TASK / NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    nbformat.write(nb, path)


def _submit(course, tasks, candidate: str, solution: str | None = None) -> None:
    """The reference notebook as `candidate`'s submission, its solution cell replaced when given."""
    folder = course / "submitted" / candidate / TASK
    shutil.copytree(course / "release" / TASK, folder)
    nb = nbformat.read(tasks / TASK / NOTEBOOK, as_version=4)
    if solution is not None:
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "standardize":
                cell.source = solution
    nbformat.write(nb, folder / NOTEBOOK)


def _items(course) -> dict[tuple[str, str], tuple[float, str]]:
    import csv

    with open(course / "items.csv", newline="") as f:
        return {(r["candidate"], r["item"]): (float(r["score"]), r["reason"]) for r in csv.DictReader(f)}


def test_a_test_that_never_reports_its_end_scores_nothing(tasks_copy, tmp_path):
    """Does a test cell that outlives its time limit while ignoring the interrupt (so nbclient gives up
    without an error output) still score zero, with the reason `timeout`?"""
    _set_test_source(
        tasks_copy,
        "test_load_values",
        "\n".join(
            [
                "import signal, time",
                "signal.signal(signal.SIGINT, signal.SIG_IGN)  # the interrupt at the time limit changes nothing",
                "time.sleep(25)",
            ]
        ),
    )
    course = tmp_path / "course"
    assert run_tool("mlassess", "build", "--course", str(course), "--assignments", str(tasks_copy)).returncode == 0
    _submit(course, tasks_copy, "honest")
    graded = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(tasks_copy))
    assert graded.returncode == 0, graded.stderr
    items = _items(course)
    assert items[("honest", "test_load_values")] == (0.0, "timeout"), items
    # the test kernel was replaced, and the later tests are graded as usual
    assert items[("honest", "test_standardize_shapes")] == (1.0, "")
    assert items[("honest", "test_uses_train_statistics")] == (2.0, "")


FLOOD = """
import numpy as np
import pandas as pd
from IPython.display import publish_display_data

BLOCK = "x" * (8 << 20)


def load_values(path):
    return pd.read_csv(path).to_numpy(dtype=float)


def standardize(train, test):
    for _ in range(200):  # 1.6 GB of display messages while a test waits for the answer
        publish_display_data({"text/plain": BLOCK})
    mean, scale = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / scale, (test - mean) / scale
"""


def _grader_processes(root: psutil.Process) -> list[psutil.Process]:
    """The grading command and its workers: every descendant that is not a kernel or its sandbox."""
    found = [root]
    for child in root.children(recursive=True):
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "ipykernel" not in line and "bwrap" not in line and "prlimit" not in line:
            found.append(child)
    return found


def test_grader_memory_stays_bounded_when_a_candidate_floods_its_output(tasks_copy, tmp_path):
    """Does a candidate kernel that publishes 1.6 GB of output while each test calls it leave the grader's
    own processes within a few hundred MB (and its other items graded)?"""
    course = tmp_path / "course"
    assert run_tool("mlassess", "build", "--course", str(course), "--assignments", str(tasks_copy)).returncode == 0
    _submit(course, tasks_copy, "flood", FLOOD)
    command = subprocess.Popen(
        [str(BIN / "mlassess"), "grade", "--course", str(course), "--assignments", str(tasks_copy), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak, done = {"rss": 0}, threading.Event()

    def sample():
        root = psutil.Process(command.pid)
        while not done.is_set():
            for process in _grader_processes(root):
                try:
                    peak["rss"] = max(peak["rss"], process.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = command.communicate(timeout=600)
    finally:
        done.set()
        sampler.join(5)
    assert command.returncode == 0, err
    assert peak["rss"] < 700 * 2**20, f"a grader process reached {peak['rss'] / 2**20:.0f} MB"
    assert _items(course)[("flood", "test_load_values")] == (1.0, "")
