"""`mlassess grade` on a cohort: parallel workers, a Dask cluster, and resuming after a kill."""

import os
import shutil
import signal
import subprocess
import time

import pytest
from nbgrader.api import Gradebook

from helpers import BIN, FIXTURE_TASKS, REPO, run_tool


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """A built course with the sample cohort submitted, and its grades from a one-worker run."""
    root = tmp_path_factory.mktemp("scale")
    course = root / "course"
    demo = run_tool("mlassess", "demo", "--course", str(course), "--assignments", str(FIXTURE_TASKS))
    assert demo.returncode == 0, demo.stderr
    return root, course, (course / "grades.csv").read_bytes()


def _fresh_copy(root, course, name):
    """The same course with nothing graded yet."""
    copy = root / name
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("autograded", ".mlassess", "grades.csv"))
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        for student in list(gb.students):
            gb.remove_student(student.id)
    return copy


def _grade(course, *args, **kwargs):
    return run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(FIXTURE_TASKS), *args, **kwargs)


def test_two_workers_grade_exactly_as_one(staged):
    """Does grading with two workers give byte-identical grades.csv to grading with one,
    each worker's submissions graded in one private gradebook that is gone afterwards?"""
    root, course, serial = staged
    copy = _fresh_copy(root, course, "two-workers")
    result = _grade(copy, "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert (copy / "grades.csv").read_bytes() == serial
    assert list((copy / ".mlassess" / "work").iterdir()) == []


def test_a_killed_run_resumes_without_regrading_or_losing_anything(staged):
    """After grading is killed mid-cohort, does the next run keep finished grades, grade only the rest,
    and end identical?"""
    root, course, serial = staged
    copy = _fresh_copy(root, course, "killed")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    running = subprocess.Popen(
        [str(BIN / "mlassess"), "grade", "--course", str(copy), "--assignments", str(FIXTURE_TASKS), "--workers", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    results = copy / ".mlassess" / "results"
    deadline = time.monotonic() + 300
    while len(list(results.glob("*/*.json"))) < 2:
        assert running.poll() is None and time.monotonic() < deadline, "grading ended before it could be killed"
        time.sleep(0.2)
    os.killpg(running.pid, signal.SIGKILL)
    running.wait()
    finished = {p: p.stat().st_mtime_ns for p in results.glob("*/*.json")}
    assert 2 <= len(finished) < 5

    resumed = _grade(copy, "--workers", "1")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(finished)} already graded" in resumed.stderr
    assert {p: p.stat().st_mtime_ns for p in finished} == finished, "a finished grade was graded again"
    assert (copy / "grades.csv").read_bytes() == serial
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        assert len(gb.assignment_submissions("standardize-features")) == 5


def test_a_dask_cluster_grades_the_same_cohort(staged):
    """Does `--scheduler` grade the cohort on a real (local) Dask cluster, with the same grades?"""
    from distributed import LocalCluster

    root, course, serial = staged
    copy = _fresh_copy(root, course, "dask")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        result = _grade(copy, "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    assert (copy / "grades.csv").read_bytes() == serial


def test_parallel_kernels_share_the_cores_instead_of_each_taking_all(staged, tmp_path):
    """With two workers on this machine, does each graded kernel's numeric code get its share of
    the cores (cores // workers threads), while a single worker leaves the libraries' default?"""
    import nbformat

    root, course, _ = staged
    task = "standardize-features"
    probe = "import os\nprint('threads:', os.environ.get('OMP_NUM_THREADS'), os.environ.get('OPENBLAS_NUM_THREADS'))"
    seen = {}
    for workers in ("1", "2"):
        copy = _fresh_copy(root, course, f"threads-{workers}")
        notebook = copy / "submitted" / "reference" / task / f"{task}.ipynb"
        nb = nbformat.read(notebook, as_version=4)
        nb.cells.insert(1, nbformat.v4.new_code_cell(probe))
        nbformat.write(nb, notebook)
        assert _grade(copy, "--workers", workers).returncode == 0
        graded = nbformat.read(copy / "autograded" / "reference" / task / f"{task}.ipynb", as_version=4)
        seen[workers] = next(
            o["text"] for c in graded.cells for o in c.get("outputs", []) if "threads:" in o.get("text", "")
        )
    share = max(1, (os.cpu_count() or 1) // 2)
    assert seen == {"1": "threads: None None\n", "2": f"threads: {share} {share}\n"}
