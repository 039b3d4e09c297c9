"""Grades every submission under `course/submitted/<candidate>/<task>/`: in parallel
(a local pool of processes, or a Dask cluster), resuming where an interrupted run
stopped, with one writer for the gradebook. One broken submission never stops the rest.

A submission is graded again when it, its task or its release changed, when its last
grading ended in `error` (an infrastructure failure, not the candidate's), or when the
grader forces it; otherwise its record is reused."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace

from autograde.assessment.results import Graded, graded_from_record
from autograde.assessment.task import Task
from autograde.engine.course import Course
from autograde.engine.grading import grade_in_isolation
from autograde.engine.result_store import Fingerprints, ResultStore
from autograde.engine.workers import warm_start
from autograde.layout import CourseLayout
from autograde.trust_boundary.canary import check_kernels


def grade_cohort(
    course: Course,
    tasks: list[Task],
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[Graded, bool], None] = lambda g, reused: None,
    regrade: Callable[[str, str], bool] = lambda candidate, task: False,
) -> list[Graded]:
    """Every submission's result, sorted; `on_done(graded, reused)` as each one is settled;
    `regrade(candidate, task)` says which submissions to grade again even if unchanged.
    Before any grading, one kernel pair is started the way grading starts them
    (KernelsUnavailable, with the underlying error, when that fails)."""
    with ResultStore(course) as store:
        return _grade_cohort(course, tasks, workers, scheduler, on_done, regrade, store)


def _grade_cohort(
    course: Course,
    tasks: list[Task],
    workers: int,
    scheduler: str | None,
    on_done: Callable[[Graded, bool], None],
    regrade: Callable[[str, str], bool],
    store: ResultStore,
) -> list[Graded]:
    by_name = {t.name: t for t in tasks}
    fingerprints = Fingerprints(course)
    results: list[Graded] = []
    todo: list[tuple[str, str, str]] = []
    for candidate, task_name in course.submissions():
        task = by_name.get(task_name)
        if task is None:
            why = f"'{task_name}' is not a task being graded (no such task, or not in the course's plan)"
            graded = Graded(candidate, task_name, [], "ungradable", why, 0.0)
            results.append(graded)
            on_done(graded, False)
            continue
        print_ = fingerprints.of(task, candidate)
        record = None if regrade(candidate, task_name) else store.finished(candidate, task_name, print_)
        if record:
            results.append(graded_from_record(record))
            on_done(results[-1], True)
        else:
            todo.append((candidate, task_name, print_))

    if todo:
        check_kernels(allow_unsandboxed=course.options.unsafe_no_sandbox, gpu=course.options.gpu)
        _snapshot_gradebook(course)
        options = course.options
        if workers > 1 and not scheduler:
            options = replace(options, kernel_threads=max(1, (os.cpu_count() or 1) // workers))
        layout = CourseLayout(course.root, course.gradebook)
        jobs = [
            (layout, course.assignments, by_name[task_name], candidate, options) for candidate, task_name, _ in todo
        ]
        prints = {(c, t): p for c, t, p in todo}
        for record in _run(jobs, workers, scheduler):
            graded = graded_from_record(record)
            store.save(record, prints[(graded.candidate, graded.task)])
            results.append(graded)
            on_done(graded, False)
    return sorted(results, key=lambda g: (g.candidate, g.task))


def _run(jobs: list[tuple], workers: int, scheduler: str | None):
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = [client.submit(grade_in_isolation, *job, pure=False) for job in jobs]
            for future in dask_completed(futures):
                yield future.result()
        return
    if workers <= 1:
        for job in jobs:
            yield grade_in_isolation(*job)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=warm_start())
    try:
        for future in as_completed([pool.submit(grade_in_isolation, *job) for job in jobs]):
            yield future.result()
    except BaseException:
        # Ctrl-C, or a worker that died: stop now. The workers' kernels die with them (the sandbox
        # is bound to its parent); what was saved stays saved, and the next run grades the rest.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _snapshot_gradebook(course: Course) -> None:
    """The gradebook as built (assignments, notebooks, cells), copied consistently for
    the workers' private courses to start from."""
    target = course.gradebook_template
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(course.gradebook) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
