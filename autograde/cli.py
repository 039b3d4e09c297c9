"""mlassess: build releases, validate tasks, grade a cohort, run the demo.

Parses arguments, calls the Python API (autograde.api) and prints what it returns."""

from __future__ import annotations

import gc
import json
import os
import warnings
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autograde import api, layout

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

CourseOpt = Annotated[
    Path,
    typer.Option(
        "--course",
        help="nbgrader course directory (env MLASSESS_COURSE; default course/)",
        default_factory=layout.course_root,
        show_default=False,
    ),
]
AssignmentsOpt = Annotated[
    Path,
    typer.Option(
        "--assignments",
        help="folder of task sources (env MLASSESS_ASSIGNMENTS; default assignments/)",
        default_factory=layout.assignments_root,
        show_default=False,
    ),
]
TasksArg = Annotated[Optional[list[str]], typer.Argument(help="task names; all tasks when omitted", show_default=False)]

# nbgrader's gradebook code trips SQLAlchemy warnings that say nothing to a grader.
warnings.filterwarnings("ignore", module="nbgrader")


def _fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def _errors_said():
    """What a person must fix is one line on stderr and exit code 2 (1 when a release leaks or
    nbgrader cannot build it), never a traceback."""
    from autograde.authoring.scaffold import ScaffoldError
    from autograde.release.build import BuildError
    from autograde.trust_boundary.canary import KernelsUnavailable
    from autograde.trust_boundary.sandbox import SandboxUnavailable

    try:
        yield
    except (BuildError, KernelsUnavailable) as exc:
        _fail(str(exc), 1)
    except (api.KitError, api.TaskError, api.PlanError, ScaffoldError, SandboxUnavailable) as exc:
        _fail(str(exc))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
        console=err,
        transient=False,
    )


def _print_build(outcome: api.BuildOutcome, course: Path) -> None:
    for name, release in outcome.releases.items():
        out.print(f"released {name} -> {release}", highlight=False)
        if outcome.variants[name]:
            out.print(
                f"  {len(outcome.variants[name])} candidate variant(s) -> {course / 'variants'}/<candidate>/{name}",
                highlight=False,
            )
    if outcome.plan:
        plan = outcome.plan
        out.print(
            f"plan '{plan.name}' ({plan.mode}, {plan.total_minutes} minutes) kept in {outcome.plan_file}; "
            "grading reports against it",
            highlight=False,
        )


@contextmanager
def _grading_progress(course: Path):
    """A progress bar over the cohort; yields the API's `on_start` and `on_done` callbacks. The first
    Ctrl-C stops grading (the API kills the kernels; finished grades are already saved) and exits 130."""
    settled = 0
    try:
        with _progress() as progress:
            bar = progress.add_task("grading", total=None, note="", visible=False)
            counts = {"failed": 0, "already graded": 0}

            def done(graded, reused) -> None:
                nonlocal settled
                settled += 1
                counts["failed"] += graded.status != "graded"
                counts["already graded"] += reused
                progress.update(bar, advance=1, note=", ".join(f"{n} {what}" for what, n in counts.items() if n))

            yield {"on_start": lambda total: progress.update(bar, total=total, visible=True), "on_done": done}
    except KeyboardInterrupt:
        err.print(
            f"[yellow]interrupted: {settled} submission(s) settled and kept (records in "
            f"{layout.CourseLayout(course).result_record('<candidate>', '<task>')}); run the same command "
            "again to grade the rest.[/yellow]",
            highlight=False,
        )
        raise typer.Exit(130) from None


def _print_grading(outcome: api.GradeOutcome, verb: str = "graded") -> None:
    """The outputs, then one line on what could not be graded; exit 1 when the machine failed any."""
    for g in outcome.not_graded:
        err.print(f"[yellow]{g.candidate}/{g.task}: {g.status}: {g.reason}[/yellow]", highlight=False)
    files = outcome.files
    out.print(
        f"{verb} {len(outcome.results)} submission(s)\ngrades: {files.grades}\nitems: {files.items}\n"
        f"report: {files.report}\nfeedback: {files.feedback}/<candidate>/profile.html "
        f"({len(files.profiles)} candidates)",
        highlight=False,
    )
    if files.role:
        out.print(f"role: {files.role} (plan '{outcome.plan.name}')", highlight=False)
    awaiting = sum(len(g.awaiting_manual) for g in outcome.results)
    if awaiting:
        out.print(
            f"{awaiting} written answer(s) await a manual grade: score them in formgrader "
            f"(mlassess formgrader --course {files.grades.parent}), then run `mlassess report --course "
            f"{files.grades.parent}`",
            highlight=False,
        )
    _skip_final_collection()
    errors = outcome.errors
    if errors:
        reasons = Counter(g.reason for g in errors).most_common()
        err.print(
            f"[red]{len(errors)} of {len(outcome.results)} submission(s) could not be graded (error, not the "
            f"candidates' doing); most common reason ({reasons[0][1]}x): {reasons[0][0]}. They are graded "
            "again by the next `mlassess grade`.[/red]",
            highlight=False,
        )
        raise typer.Exit(1)


WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="submissions graded at once on this machine [default: one per CPU core]",
        default_factory=lambda: os.cpu_count() or 1,
        show_default=False,
    ),
]


UnsafeOpt = Annotated[
    bool,
    typer.Option(
        "--unsafe-no-sandbox",
        help=(
            "run candidate code WITHOUT the sandbox where none can start: it can then read hidden tests and the "
            "gradebook, write where you can, and use the network. Only for code you would run yourself."
        ),
    ),
]
GpuOpt = Annotated[bool, typer.Option("--gpu", help="pass this machine's NVIDIA GPUs into the candidates' sandboxes")]


def _options(unsafe: bool, gpu: bool):
    """Fail closed: no sandbox, no grading, unless the grader says otherwise out loud."""
    from autograde.trust_boundary.sandbox import bwrap_available

    options = api.grading_options(unsafe_no_sandbox=unsafe, gpu=gpu)
    if options.unsafe_no_sandbox:
        err.print(
            f"[bold red]UNSAFE: {bwrap_available()}; grading WITHOUT the sandbox as asked.[/bold red]", highlight=False
        )
    return options


@app.command()
def build(
    tasks: TasksArg = None,
    course: CourseOpt = ...,
    assignments: AssignmentsOpt = ...,
    cohort_secret: Annotated[
        Optional[str],
        typer.Option(
            "--cohort-secret",
            envvar="MLASSESS_COHORT_SECRET",
            show_envvar=True,
            help="secret the candidates' data variants are drawn from; keep it off the command line",
        ),
    ] = None,
    candidates: Annotated[
        Optional[Path],
        typer.Option(
            "--candidates",
            help="file of candidate ids, one per line: each gets COURSE/variants/<id>/<task>/",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    plan: Annotated[
        Optional[Path],
        typer.Option(
            "--plan",
            help="assessment plan (plans/*.yaml): its tasks, time limits, skill weights and bands; "
            "a practice plan adds hints. Grading then reports against it.",
        ),
    ] = None,
) -> None:
    """Release every task (or the named ones, or a plan's) under COURSE/release/, refusing any release
    that leaks; with --cohort-secret and --candidates, also one release per candidate with their own data."""
    ids = [x.strip() for x in candidates.read_text().splitlines() if x.strip()] if candidates else []
    with _errors_said():
        outcome = api.build(course, assignments, tasks, cohort_secret=cohort_secret, candidates=ids, plan=plan)
    _print_build(outcome, course)


@app.command()
def validate(
    tasks: TasksArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object with a `tasks` list")] = False,
    assignments: AssignmentsOpt = ...,
    workers: WorkersOpt = ...,
    unsafe_no_sandbox: UnsafeOpt = False,
) -> None:
    """Grade each task's reference, blank release and fixtures; exit 1 when a task misses its bar."""
    with _errors_said():
        options = _options(unsafe_no_sandbox, gpu=False)
        selected = api.tasks(assignments, tasks)
        with _progress() as progress:
            bar = progress.add_task("validating", total=len(selected), note="")

            started = []

            def starting(task) -> None:
                if started:
                    progress.advance(bar)
                started.append(task)
                progress.update(bar, note=task.name)

            reports = api.validate(assignments, tasks, workers=workers, options=options, on_task=starting)
            progress.advance(bar)
    if as_json:
        print(json.dumps({"tasks": [r.to_json() for r in reports]}, indent=2))
    else:
        table = Table()
        table.add_column("task", no_wrap=True)
        for heading in ("reference", "blank", "runtime s", "fixtures ok", "leaks", "verdict"):
            table.add_column(heading)
        for r in reports:
            table.add_row(
                r.name,
                f"{r.reference_score:g}/{r.max_score:g}",
                f"{r.blank_score:g}",
                f"{r.runtime_s:.1f}",
                f"{sum(f.ok for f in r.fixtures)}/{len(r.fixtures)}",
                str(len(r.leaks)),
                "[green]pass[/green]" if r.passed else "[red]FAIL[/red]",
            )
        out.print(table)
        for r in reports:
            for problem in r.problems:
                out.print(f"[red]{r.name}:[/red] {problem}", highlight=False)
    if not all(r.passed for r in reports):
        raise typer.Exit(1)


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="task folder name, numbered like the others: 06-feature-store")],
    assignments: AssignmentsOpt = ...,
) -> None:
    """Scaffold a task that follows the task standard: notebook with solution and hidden-test markers
    and nbgrader metadata, task.yaml, fixtures/. Then run `mlassess validate NAME` until it passes."""
    with _errors_said():
        folder = api.new_task(assignments, name)
    out.print(
        f"created {folder}/\n"
        f"  {name}.ipynb    brief, solution, visible + hidden test, written answer (a working example)\n"
        f"  task.yaml       skills, dimensions, hints, budgets: replace every TODO\n"
        f"  fixtures/       add correct-alternative-*.ipynb and mistake-*.ipynb (see fixtures/README.md)\n"
        f"next: mlassess validate {name}   (lists what the task still lacks)",
        highlight=False,
    )


@app.command()
def grade(
    course: CourseOpt = ...,
    assignments: AssignmentsOpt = ...,
    workers: WorkersOpt = ...,
    scheduler: Annotated[
        Optional[str],
        typer.Option(
            "--scheduler",
            help="grade on a Dask cluster at this address (tcp://host:8786); its workers "
            "need this kit installed and COURSE at the same path",
        ),
    ] = None,
    unsafe_no_sandbox: UnsafeOpt = False,
    gpu: GpuOpt = False,
    force: Annotated[bool, typer.Option("--force", help="grade every submission again, even unchanged ones")] = False,
    force_task: Annotated[
        Optional[list[str]], typer.Option("--force-task", help="grade this task's submissions again (repeatable)")
    ] = None,
    force_candidate: Annotated[
        Optional[list[str]],
        typer.Option("--force-candidate", help="grade this candidate's submissions again (repeatable)"),
    ] = None,
) -> None:
    """Grade every submission under COURSE/submitted/<candidate>/<task>/ (in parallel), then write
    COURSE/grades.csv, COURSE/items.csv and COURSE/report.html (and COURSE/role.csv when the course
    was built with a plan). A submission graded before is reused unless it changed or its grading
    ended in error; --force, --force-task and --force-candidate grade again what they name. Exits 1
    when any submission could not be graded, 130 when interrupted (run it again to resume)."""
    with _errors_said():
        options = _options(unsafe_no_sandbox, gpu)
        with _grading_progress(course) as callbacks:
            outcome = api.grade(
                course,
                assignments,
                workers=workers,
                scheduler=scheduler,
                options=options,
                force=force,
                force_tasks=force_task or (),
                force_candidates=force_candidate or (),
                **callbacks,
            )
    _print_grading(outcome)


@app.command()
def report(course: CourseOpt = ..., assignments: AssignmentsOpt = ...) -> None:
    """Write grades.csv, items.csv, report.html, the profiles and role.csv again from what is graded
    and from the gradebook, grading nothing: run it after scoring written answers in formgrader."""
    with _errors_said():
        outcome = api.report(course, assignments)
    _print_grading(outcome, "reported")


@app.command()
def formgrader(
    course: CourseOpt = ...,
    assignments: AssignmentsOpt = ...,
    port: Annotated[int, typer.Option("--port", help="port to serve on")] = 8888,
    ip: Annotated[str, typer.Option("--ip", help="address to listen on (0.0.0.0 inside a container)")] = "127.0.0.1",
    token: Annotated[
        Optional[str], typer.Option("--token", envvar="MLASSESS_FORMGRADER_TOKEN", help="[default: a random one]")
    ] = None,
) -> None:
    """Serve nbgrader's formgrader on this course, to score written answers (each shows its rubric
    beside it); then run `mlassess report` to bring the scores into every report. Ctrl-C stops it."""
    import subprocess

    with _errors_said():
        launch = api.formgrader(course, assignments, port=port, token=token, ip=ip)
    out.print(f"formgrader: {launch.url}\n(Ctrl-C to stop; then `mlassess report`)", highlight=False)
    try:
        raise typer.Exit(subprocess.run(launch.command, env=launch.env, cwd=launch.cwd).returncode)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command()
def lab(
    task: Annotated[Optional[str], typer.Argument(help="one task's folder; all tasks when omitted")] = None,
    course: CourseOpt = ...,
    assignments: AssignmentsOpt = ...,
    candidate: Annotated[Optional[str], typer.Option("--candidate", help="this candidate's own release")] = None,
    port: Annotated[int, typer.Option("--port", help="port to serve on")] = 8888,
    ip: Annotated[str, typer.Option("--ip", help="address to listen on (0.0.0.0 inside a container)")] = "127.0.0.1",
    token: Annotated[Optional[str], typer.Option("--token", help="[default: a random one]")] = None,
) -> None:
    """JupyterLab on the release as a candidate sees it (one candidate's with --candidate), without
    nbgrader's instructor menus; builds the release first only if it is missing or out of date."""
    import shutil
    import subprocess

    with _errors_said():
        launch = api.lab(course, assignments, task, candidate=candidate, port=port, ip=ip, token=token)
    if launch.built:
        out.print("built the release first (it was missing or older than the task)", highlight=False)
    out.print(f"JupyterLab on {launch.folder}: {launch.url}\n(Ctrl-C to stop)", highlight=False)
    try:
        raise typer.Exit(subprocess.run(launch.command, env=launch.env).returncode)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    finally:
        shutil.rmtree(launch.env["JUPYTER_CONFIG_DIR"], ignore_errors=True)


def _skip_final_collection() -> None:
    """Everything is written and closed: the interpreter's last garbage collection over
    nbgrader's, SQLAlchemy's and matplotlib's objects (0.5 s measured, after the reports
    are out) would only delay the grader's prompt."""
    gc.freeze()


@app.command()
def demo(
    course: Annotated[
        Path,
        typer.Option(
            "--course",
            help="the demo's own course directory [default: course-demo/]",
            default_factory=layout.demo_course_root,
            show_default=False,
        ),
    ] = ...,
    assignments: AssignmentsOpt = ...,
    unsafe_no_sandbox: UnsafeOpt = False,
) -> None:
    """Build every task, grade the bundled sample cohort in its own course (course-demo/), check that
    every sample got the outcome it declares (exit 1 otherwise), and print where the reports are."""
    with _errors_said():
        options = _options(unsafe_no_sandbox, gpu=False)
        with _grading_progress(course) as callbacks:
            outcome = api.demo(course, assignments, options=options, **callbacks)
    if outcome.assignments != assignments:
        out.print(
            f"no product tasks yet: the demo used the engine's fixture task ({outcome.assignments})", highlight=False
        )
    _print_build(outcome.build, course)
    out.print(f"staged {outcome.staged} sample submission(s) under {course / 'submitted'}", highlight=False)
    for problem in outcome.problems:
        err.print(f"[red]sample {problem}[/red]", highlight=False)
    _print_grading(outcome.graded)
    if outcome.problems:
        _fail(
            f"{len(outcome.problems)} sample(s) did not get their declared outcome: the kit is not grading "
            "correctly on this machine",
            1,
        )
    out.print(f"all {outcome.staged} samples got their declared outcome", highlight=False)
