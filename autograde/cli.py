"""mlassess: build releases, validate tasks, grade a cohort, run the demo."""
from __future__ import annotations

import gc
import importlib
import json
import os
import threading
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autograde import settings
from autograde.task import Task, TaskError, select

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

CourseOpt = Annotated[Path, typer.Option("--course", help="nbgrader course directory (env MLASSESS_COURSE; default course/)",
                                         default_factory=settings.course_root, show_default=False)]
AssignmentsOpt = Annotated[Path, typer.Option("--assignments", help="folder of task sources (env MLASSESS_ASSIGNMENTS; default assignments/)",
                                              default_factory=settings.assignments_root, show_default=False)]
TasksArg = Annotated[Optional[list[str]], typer.Argument(help="task names; all tasks when omitted", show_default=False)]

# nbgrader's gradebook code trips SQLAlchemy warnings that say nothing to a grader.
warnings.filterwarnings("ignore", module="nbgrader")


def _fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _select(assignments: Path, names: list[str] | None) -> list[Task]:
    try:
        tasks = select(assignments, names)
    except TaskError as exc:
        _fail(str(exc))
    if not tasks:
        _fail(f"no tasks (folders with a task.yaml) under {assignments}")
    return tasks


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("{task.fields[note]}"), console=err, transient=False)


def _build(course, tasks: list[Task], cohort_secret: str | None = None, candidates: list[str] = (), plan=None) -> None:
    from autograde.build import BuildError, build_task, record_plan

    for task in tasks:
        try:
            release = build_task(course, task, cohort_secret, candidates, plan)
        except BuildError as exc:
            _fail(str(exc), 1)
        out.print(f"released {task.name} -> {release}", highlight=False)
        if candidates:
            out.print(f"  {len(candidates)} candidate variant(s) -> {course.root / 'variants'}/<candidate>/{task.name}",
                      highlight=False)
    record_plan(course, plan)
    if plan:
        out.print(f"plan '{plan.name}' ({plan.mode}, {plan.total_minutes} minutes) kept in {course.root / 'plan.yaml'}; "
                  "grading reports against it", highlight=False)


def _load_plan(path: Path, assignments: Path):
    from autograde.plan import Plan, PlanError

    try:
        return Plan.load(path, assignments)
    except PlanError as exc:
        _fail(str(exc))


def _course_plan(course, assignments: Path):
    """The plan the course was built for, if any."""
    from autograde.plan import PLAN_IN_COURSE

    kept = course.root / PLAN_IN_COURSE
    return _load_plan(kept, assignments) if kept.is_file() else None


def _grade(course, tasks: list[Task], workers: int = 1, scheduler: str | None = None, plan=None) -> list:
    from autograde.cohort import grade_cohort
    from autograde.nbgrader_settings import SHOW_HIDDEN_TESTS_ENV

    # The reports' code imports matplotlib (0.6 s): done while the cohort is graded, not after.
    threading.Thread(target=importlib.import_module, args=("autograde.report",), daemon=True).start()
    if plan and plan.show_hidden_tests:
        os.environ[SHOW_HIDDEN_TESTS_ENV] = "1"
    pending = course.submissions()
    if not pending:
        _fail(f"no submissions under {course.root / 'submitted'} (expected submitted/<candidate>/<task>/)")
    with _progress() as progress:
        bar = progress.add_task("grading", total=len(pending), note="")
        counts = {"failed": 0, "already graded": 0}

        def done(graded, reused) -> None:
            counts["failed"] += graded.status != "graded"
            counts["already graded"] += reused
            progress.update(bar, advance=1, note=", ".join(f"{n} {what}" for what, n in counts.items() if n))

        results = grade_cohort(course, tasks, workers=workers, scheduler=scheduler, on_done=done)
    from autograde.export import write_grades_csv, write_items_csv
    from autograde.practice import write_reference_solutions
    from autograde.report import write_profiles, write_report, write_role_csv

    for g in results:
        if g.status != "graded":
            err.print(f"[yellow]{g.candidate}/{g.task}: {g.status}: {g.reason}[/yellow]", highlight=False)
    grades = write_grades_csv(results, course.root / "grades.csv")
    items = write_items_csv(results, course.root / "items.csv")
    if plan and plan.practice and plan.reference_solution:
        submitted = {}
        for g in results:
            submitted.setdefault(g.candidate, []).append(g.task)
        write_reference_solutions(plan, course.root / "feedback", submitted)
    report = write_report(results, course.root / "report.html", plan)
    profiles = write_profiles(results, course.root / "feedback", plan)
    out.print(f"graded {len(results)} submission(s)\ngrades: {grades}\nitems: {items}\nreport: {report}\n"
              f"feedback: {course.root / 'feedback'}/<candidate>/profile.html ({len(profiles)} candidates)",
              highlight=False)
    if plan:
        out.print(f"role: {write_role_csv(results, plan, course.root / 'role.csv')} (plan '{plan.name}')", highlight=False)
    _skip_final_collection()
    return results


WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="submissions graded at once on this machine "
                                         "[default: one per CPU core]", default_factory=lambda: os.cpu_count() or 1,
                                         show_default=False)]


UnsafeOpt = Annotated[bool, typer.Option("--unsafe-no-sandbox", help=(
    "run candidate code WITHOUT the sandbox where none can start: it can then read hidden tests and the "
    "gradebook, write where you can, and use the network. Only for code you would run yourself."))]
GpuOpt = Annotated[bool, typer.Option("--gpu", help="pass this machine's NVIDIA GPUs into the candidates' sandboxes")]


def _protections(unsafe: bool, gpu: bool) -> None:
    """Fail closed: no sandbox, no grading, unless the grader says otherwise out loud."""
    from autograde.sandbox import GPU_ENV, UNSAFE_ENV, bwrap_available

    if gpu:
        os.environ[GPU_ENV] = "1"
    problem = bwrap_available()
    if problem is None:
        return
    if not unsafe:
        _fail(f"{problem}. Candidate code is never run unsandboxed unless you pass --unsafe-no-sandbox.")
    os.environ[UNSAFE_ENV] = "1"
    err.print(f"[bold red]UNSAFE: {problem}; grading WITHOUT the sandbox as asked.[/bold red]", highlight=False)


@app.command()
def build(tasks: TasksArg = None, course: CourseOpt = ..., assignments: AssignmentsOpt = ...,
          cohort_secret: Annotated[Optional[str], typer.Option(
              "--cohort-secret", envvar="MLASSESS_COHORT_SECRET", show_envvar=True,
              help="secret the candidates' data variants are drawn from; keep it off the command line")] = None,
          candidates: Annotated[Optional[Path], typer.Option(
              "--candidates", help="file of candidate ids, one per line: each gets COURSE/variants/<id>/<task>/",
              exists=True, dir_okay=False)] = None,
          plan: Annotated[Optional[Path], typer.Option(
              "--plan", help="assessment plan (plans/*.yaml): its tasks, time limits, skill weights and bands; "
                             "a practice plan adds hints. Grading then reports against it.")] = None) -> None:
    """Release every task (or the named ones, or a plan's) under COURSE/release/, refusing any release
    that leaks; with --cohort-secret and --candidates, also one release per candidate with their own data."""
    from autograde.course import Course

    ids = [x.strip() for x in candidates.read_text().splitlines() if x.strip()] if candidates else []
    if ids and not cohort_secret:
        _fail("--candidates needs a cohort secret (--cohort-secret or MLASSESS_COHORT_SECRET)")
    if plan and tasks:
        _fail("name tasks or give --plan, not both: a plan lists its own tasks")
    chosen = _load_plan(plan, assignments) if plan else None
    selected = [p.task for p in chosen.tasks] if chosen else _select(assignments, tasks)
    _build(Course(course, assignments), selected, cohort_secret, ids, chosen)


@app.command()
def validate(tasks: TasksArg = None,
             as_json: Annotated[bool, typer.Option("--json", help="print one JSON object with a `tasks` list")] = False,
             assignments: AssignmentsOpt = ..., workers: WorkersOpt = ...,
             unsafe_no_sandbox: UnsafeOpt = False) -> None:
    """Grade each task's reference, blank release and fixtures; exit 1 when a task misses its bar."""
    from autograde.validate import validate_task

    _protections(unsafe_no_sandbox, gpu=False)
    selected = _select(assignments, tasks)
    reports = []
    with _progress() as progress:
        bar = progress.add_task("validating", total=len(selected), note="")
        for task in selected:
            progress.update(bar, note=task.name)
            reports.append(validate_task(task, workers=workers))
            progress.advance(bar)
    if as_json:
        print(json.dumps({"tasks": [r.to_json() for r in reports]}, indent=2))
    else:
        table = Table()
        table.add_column("task", no_wrap=True)
        for heading in ("reference", "blank", "runtime s", "fixtures ok", "leaks", "verdict"):
            table.add_column(heading)
        for r in reports:
            table.add_row(r.name, f"{r.reference_score:g}/{r.max_score:g}", f"{r.blank_score:g}",
                          f"{r.runtime_s:.1f}", f"{sum(f.ok for f in r.fixtures)}/{len(r.fixtures)}",
                          str(len(r.leaks)), "[green]pass[/green]" if r.passed else "[red]FAIL[/red]")
        out.print(table)
        for r in reports:
            for problem in r.problems:
                out.print(f"[red]{r.name}:[/red] {problem}", highlight=False)
    if not all(r.passed for r in reports):
        raise typer.Exit(1)


@app.command()
def new(name: Annotated[str, typer.Argument(help="task folder name, numbered like the others: 06-feature-store")],
        assignments: AssignmentsOpt = ...) -> None:
    """Scaffold a task that follows the task standard: notebook with solution and hidden-test markers
    and nbgrader metadata, task.yaml, fixtures/. Then run `mlassess validate NAME` until it passes."""
    from autograde.scaffold import ScaffoldError, new_task

    try:
        folder = new_task(assignments, name)
    except ScaffoldError as exc:
        _fail(str(exc))
    out.print(f"created {folder}/\n  {name}.ipynb    brief, solution, visible + hidden test, written answer (a working example)\n"
              f"  task.yaml       skills, dimensions, hints, budgets: replace every TODO\n"
              f"  fixtures/       add correct-alternative-*.ipynb and mistake-*.ipynb (see fixtures/README.md)\n"
              f"next: mlassess validate {name}   (lists what the task still lacks)", highlight=False)


@app.command()
def grade(course: CourseOpt = ..., assignments: AssignmentsOpt = ..., workers: WorkersOpt = ...,
          scheduler: Annotated[Optional[str], typer.Option(
              "--scheduler", help="grade on a Dask cluster at this address (tcp://host:8786); its workers "
                                  "need this kit installed and COURSE at the same path")] = None,
          unsafe_no_sandbox: UnsafeOpt = False, gpu: GpuOpt = False) -> None:
    """Grade every submission under COURSE/submitted/<candidate>/<task>/ (in parallel; an
    interrupted run resumes where it stopped), then write COURSE/grades.csv,
    COURSE/items.csv and COURSE/report.html (and COURSE/role.csv when the course was built
    with a plan)."""
    if workers > 1 and not scheduler:
        from autograde.workers import warm_start

        warm_start()  # the workers' server imports nbgrader while this process lists the cohort
    from autograde.course import Course

    _protections(unsafe_no_sandbox, gpu)
    c = Course(course, assignments)
    plan = _course_plan(c, assignments)
    tasks = [p.task for p in plan.tasks] if plan else _select(assignments, None)
    _grade(c, tasks, workers, scheduler, plan)


def _skip_final_collection() -> None:
    """Everything is written and closed: the interpreter's last garbage collection over
    nbgrader's, SQLAlchemy's and matplotlib's objects (0.5 s measured, after the reports
    are out) would only delay the grader's prompt."""
    gc.freeze()


@app.command()
def demo(course: CourseOpt = ..., assignments: AssignmentsOpt = ..., unsafe_no_sandbox: UnsafeOpt = False) -> None:
    """Build every task, grade the bundled sample cohort, and print where the reports are."""
    from autograde.course import Course
    from autograde.demo import stage_sample_cohort
    from autograde.task import discover

    _protections(unsafe_no_sandbox, gpu=False)
    if not discover(assignments):
        assignments = settings.REPO_ROOT / "tests" / "fixture_tasks"
        out.print(f"no product tasks yet: the demo uses the engine's fixture task ({assignments})", highlight=False)
    c = Course(course, assignments)
    tasks = _select(assignments, None)
    _build(c, tasks)
    out.print(f"staged {stage_sample_cohort(c, tasks)} sample submission(s) under {c.root / 'submitted'}", highlight=False)
    _grade(c, tasks, workers=os.cpu_count() or 1)
