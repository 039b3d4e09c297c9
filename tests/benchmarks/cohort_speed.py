"""Benchmark: a cohort of 20 submissions of the engine's fixture task, graded in one run by
- plain serial `nbgrader autograde` (stock pipeline, one command for the whole cohort),
- `mlassess grade --workers 1`,
- `mlassess grade --workers 2`,
each on a fresh copy of the same course, the three interleaved `--repeat` times so
that a noisy neighbour slows all of them alike. Prints median wall times and the
speed-ups (issue target: 2 workers at least 1.8x faster than serial nbgrader on 2 cores).

The fixture task is small on purpose: its submissions cost little besides grading
itself, so the figures measure the grader (kernels, sandbox, gradebook, feedback),
not the candidates' training code.

    .venv/bin/python tests/benchmarks/cohort_speed.py --repeat 3
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


def _one_round(scratch: Path) -> dict[str, float]:
    stock = _course(scratch, "stock")
    times = {
        "nbgrader autograde, serial (stock)": _run(
            str(BIN / "nbgrader"),
            "autograde",
            TASK,
            f"--CourseDirectory.root={stock}",
            f"--CourseDirectory.source_directory={TASKS}",
            cwd=stock,
        ),
    }
    for workers in (1, 2):
        course = _course(scratch, f"workers-{workers}")
        times[f"mlassess grade --workers {workers}"] = _run(
            str(BIN / "mlassess"),
            "grade",
            "--course",
            str(course),
            "--assignments",
            str(TASKS),
            "--workers",
            str(workers),
        )
    for course in scratch.iterdir():
        shutil.rmtree(course)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians are reported")
    rounds = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as scratch:
        runs = [_one_round(Path(scratch)) for _ in range(rounds)]
    times = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    print(f"grading {SIZE} submissions of {TASK} on {os.cpu_count()} cores, median of {rounds}:")
    for name, seconds in times.items():
        print(f"  {name:38s} {seconds:6.1f} s  ({seconds / SIZE:.2f} s per submission)")
    serial, one, two = times.values()
    print(f"  2 workers vs serial nbgrader: {serial / two:.2f}x   2 workers vs 1: {one / two:.2f}x")
    ratios = sorted(run[next(iter(run))] / run["mlassess grade --workers 2"] for run in runs)
    print(f"  2 workers vs serial nbgrader, each round: {', '.join(f'{r:.2f}x' for r in ratios)}")


if __name__ == "__main__":
    main()
