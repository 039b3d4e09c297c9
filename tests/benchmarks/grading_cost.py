"""Benchmark: seconds to grade one submission of the engine's fixture task.

Compares the kit's grading path (`grade_submission`, what `mlassess grade` runs
per submission) with plain `nbgrader autograde` on the same notebook, measured
in one run, alternating, and reports medians and their ratio.

    make bench            (or: .venv/bin/python tests/benchmarks/grading_cost.py --repeat 7)
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from autograde.course import Course  # noqa: E402
from autograde.grading import grade_submission  # noqa: E402
from autograde.task import Task  # noqa: E402

TASK = Task.load(REPO / "tests" / "fixture_tasks" / "standardize-features")


def _submit(course: Course, candidate: str) -> None:
    folder = course.submitted_dir(candidate, TASK.name)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(course.release_dir(TASK.name), folder)
    shutil.copyfile(TASK.notebook, folder / TASK.notebook.name)


def _plain_nbgrader(course: Course, candidate: str) -> float:
    env = {**os.environ, "MLASSESS_COURSE": str(course.root), "MLASSESS_ASSIGNMENTS": str(TASK.folder.parent),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    subprocess.run(["nbgrader", "autograde", TASK.name, "--student", candidate, "--force"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _kit(course: Course, candidate: str) -> float:
    started = time.perf_counter()
    graded = grade_submission(course, TASK, candidate)
    assert graded.auto_score == TASK.auto_max, graded
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        course = Course(Path(scratch) / "course", TASK.folder.parent)
        assert course.run("generate_assignment", TASK.name)["success"]
        _submit(course, "bench")
        times = {"plain nbgrader autograde (CLI)": [], "mlassess grading path": []}
        for _ in range(args.repeat):
            times["plain nbgrader autograde (CLI)"].append(_plain_nbgrader(course, "bench"))
            times["mlassess grading path"].append(_kit(course, "bench"))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"grading one submission of {TASK.name}, median of {args.repeat}:")
    for name, median in medians.items():
        print(f"  {name:34s} {median:6.2f} s")
    plain, kit = medians.values()
    print(f"  ratio mlassess / plain nbgrader    {kit / plain:6.2f}")


if __name__ == "__main__":
    main()
