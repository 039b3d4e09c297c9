"""Benchmark: what the grading protections cost, in seconds per submission.

Grades the same submission of the engine's fixture task, alternating, in one run:
- the kit's path (`grade_submission`: sandboxed candidate kernel, trusted test
  kernel, notebook rebuilt from the release), as `mlassess grade` runs it;
- plain nbgrader autograde with nbgrader's stock pipeline (one unsandboxed
  kernel), through the same in-process API;
- the `nbgrader autograde` command line as a grader types it (process start included).
Reports medians and the protections' ratio (target: at most 1.3).

    make bench            (or: .venv/bin/python tests/benchmarks/grading_cost.py --repeat 7)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from traitlets.config import Config  # noqa: E402

from autograde.assessment.task import Task  # noqa: E402
from autograde.engine.course import Course  # noqa: E402
from autograde.engine.grading import grade_submission  # noqa: E402

TASK = Task.load(REPO / "tests" / "fixture_tasks" / "standardize-features")


def _submit(course: Course, candidate: str) -> None:
    folder = course.submitted_dir(candidate, TASK.name)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(course.release_dir(TASK.name), folder)
    shutil.copyfile(TASK.notebook, folder / TASK.notebook.name)


def _plain_nbgrader(course: Course, candidate: str) -> float:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    subprocess.run(
        [
            "nbgrader",
            "autograde",
            TASK.name,
            "--student",
            candidate,
            "--force",
            f"--CourseDirectory.root={course.root}",
            f"--CourseDirectory.source_directory={TASK.folder.parent}",
        ],
        cwd=course.root,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def _stock_nbgrader(course: Course, candidate: str) -> float:
    """nbgrader's own API and converter (Course.run would use the kit's staging converter)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    api = NbGraderAPI(coursedir=CourseDirectory(config=course.config), config=course.config)
    started = time.perf_counter()
    with contextlib.chdir(os.getcwd()):
        assert api.autograde(TASK.name, candidate)["success"]
    return time.perf_counter() - started


def _kit(course: Course, candidate: str) -> float:
    started = time.perf_counter()
    graded = grade_submission(course, TASK, candidate)
    assert graded.auto_score == TASK.auto_max, graded
    return time.perf_counter() - started


def main() -> None:
    warnings.filterwarnings("ignore", module="nbgrader")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        course = Course(Path(scratch) / "course", TASK.folder.parent)
        stock = Course(Path(scratch) / "stock", TASK.folder.parent)
        stock.config = Config({"CourseDirectory": course.config.CourseDirectory.copy()})
        stock.config.CourseDirectory.root = str(stock.root)
        stock.config.CourseDirectory.db_url = stock.db_url  # its own gradebook, where the command looks
        for c in (course, stock):
            assert c.run("generate_assignment", TASK.name)["success"]
            _submit(c, "bench")
        runs = {
            "mlassess, protected (API)": lambda: _kit(course, "bench"),
            "nbgrader stock pipeline (API)": lambda: _stock_nbgrader(stock, "bench"),
            "nbgrader autograde, stock (command)": lambda: _plain_nbgrader(stock, "bench"),
        }
        times = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                times[name].append(run())
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"grading one submission of {TASK.name}, median of {args.repeat} alternating runs:")
    for name, median in medians.items():
        print(f"  {name:36s} {median:6.2f} s")
    protected, stock_api, _ = medians.values()
    print(f"  protections' cost: protected / stock = {protected / stock_api:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
