"""Benchmark: a cohort of 20 submissions of the engine's fixture task, graded in one run by
- plain serial `nbgrader autograde` (stock pipeline, one command for the whole cohort),
- `mlassess grade --workers 1`,
- `mlassess grade --workers 2`,
each on a fresh copy of the same course. Prints wall times and the speed-ups
(issue target: 2 workers at least 1.8x faster than serial nbgrader on 2 cores).

    .venv/bin/python tests/benchmarks/cohort_speed.py
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TASKS = REPO / "tests" / "fixture_tasks"
TASK = "standardize-features"
SIZE = 20


def _run(*args: str, cwd: Path = REPO) -> float:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    subprocess.run(list(args), cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _course(scratch: Path, name: str) -> Path:
    course = scratch / name
    _run(str(BIN / "mlassess"), "build", "--course", str(course), "--assignments", str(TASKS))
    source = TASKS / TASK
    samples = [source / f"{TASK}.ipynb", *sorted((source / "fixtures").glob("*.ipynb"))]
    for i in range(SIZE):
        folder = course / "submitted" / f"candidate-{i:02d}" / TASK
        shutil.copytree(course / "release" / TASK, folder)
        shutil.copyfile(samples[i % len(samples)], folder / f"{TASK}.ipynb")
    return course


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        stock = _course(scratch, "stock")
        times = {
            "nbgrader autograde, serial (stock)": _run(
                str(BIN / "nbgrader"), "autograde", TASK, f"--CourseDirectory.root={stock}",
                f"--CourseDirectory.source_directory={TASKS}", cwd=stock),
        }
        for workers in (1, 2):
            course = _course(scratch, f"workers-{workers}")
            times[f"mlassess grade --workers {workers}"] = _run(
                str(BIN / "mlassess"), "grade", "--course", str(course), "--assignments", str(TASKS),
                "--workers", str(workers))
    print(f"grading {SIZE} submissions of {TASK} on {os.cpu_count()} cores:")
    for name, seconds in times.items():
        print(f"  {name:38s} {seconds:6.1f} s  ({seconds / SIZE:.2f} s per submission)")
    serial, one, two = times.values()
    print(f"  2 workers vs serial nbgrader: {serial / two:.2f}x   2 workers vs 1: {one / two:.2f}x")


if __name__ == "__main__":
    main()
