"""The kit as a Python API: what `mlassess` does, for graders who script it.

Each verb takes paths and settings, does the work and returns a result object; it
raises a `KitError` (or a subclass: TaskError, PlanError, BuildError, ScaffoldError,
SandboxUnavailable) for input a person must fix. The command line only parses
arguments, calls these and prints what they return.

    from autograde import api
    options = api.grading_options()                 # refuses when no sandbox can start
    api.build("course", "assignments")
    outcome = api.grade("course", "assignments", workers=4, options=options)
    print(outcome.files.report)
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograde.assessment.plan import Plan, PlanError
from autograde.assessment.results import Graded
from autograde.assessment.task import Task, TaskError, discover, select
from autograde.layout import REPO_ROOT, CourseLayout
from autograde.options import GradingOptions

__all__ = [
    "formgrader",
    "lab",
    "report",
    "KitError",
    "TaskError",
    "PlanError",
    "grading_options",
    "tasks",
    "load_plan",
    "course_plan",
    "build",
    "validate",
    "grade",
    "write_reports",
    "new_task",
    "demo",
    "BuildOutcome",
    "GradeOutcome",
    "ReportFiles",
]


class KitError(ValueError):
    """Input the kit cannot work with, said so a person can fix it."""


def grading_options(*, unsafe_no_sandbox: bool = False, gpu: bool = False) -> GradingOptions:
    """Options for a grading run, failing closed: SandboxUnavailable when no sandbox can start
    here, unless the caller opts out out loud (then `unsafe_no_sandbox` is set)."""
    from autograde.trust_boundary.sandbox import SandboxUnavailable, bwrap_available

    problem = bwrap_available()
    if problem and not unsafe_no_sandbox:
        raise SandboxUnavailable(
            f"{problem}. Candidate code is never run unsandboxed unless you pass --unsafe-no-sandbox."
        )
    return GradingOptions(unsafe_no_sandbox=problem is not None, gpu=gpu)


def tasks(assignments: Path, names: list[str] | None = None) -> list[Task]:
    """The named tasks (all when none are named); a KitError when there are none."""
    selected = select(assignments, names)
    if not selected:
        raise KitError(f"no tasks (folders with a task.yaml) under {assignments}")
    return selected


def load_plan(path: Path, assignments: Path) -> Plan:
    return Plan.load(path, assignments)


def course_plan(course: Path, assignments: Path) -> Plan | None:
    """The plan the course was built for, if any."""
    kept = CourseLayout(course).plan_file
    return Plan.load(kept, assignments) if kept.is_file() else None


@dataclass
class BuildOutcome:
    releases: dict[str, Path]  # task -> its shared release
    variants: dict[str, list[Path]]  # task -> each candidate's own release
    plan: Plan | None
    plan_file: Path | None  # where the course keeps the plan it was built for


def build(
    course: Path,
    assignments: Path,
    task_names: list[str] | None = None,
    *,
    cohort_secret: str | None = None,
    candidates: list[str] = (),
    plan: Path | Plan | None = None,
) -> BuildOutcome:
    """Release every task (or the named ones, or a plan's), refusing any release that leaks;
    with a cohort secret and candidates, one release per candidate with their own data."""
    from autograde.engine.course import Course
    from autograde.release.build import build_task, record_plan

    if candidates and not cohort_secret:
        raise KitError("--candidates needs a cohort secret (--cohort-secret or MLASSESS_COHORT_SECRET)")
    if plan is not None and task_names:
        raise KitError("name tasks or give --plan, not both: a plan lists its own tasks")
    if plan is not None and not isinstance(plan, Plan):
        plan = Plan.load(plan, assignments)
    selected = [p.task for p in plan.tasks] if plan else tasks(assignments, task_names)
    target = Course(course, assignments)
    outcome = BuildOutcome({}, {}, plan, target.plan_file if plan else None)
    for task in selected:
        outcome.releases[task.name] = build_task(target, task, cohort_secret, candidates, plan)
        outcome.variants[task.name] = [target.variant_dir(c, task.name) for c in candidates]
    record_plan(target, plan)
    return outcome


def validate(
    assignments: Path,
    task_names: list[str] | None = None,
    *,
    workers: int = 1,
    options: GradingOptions | None = None,
    on_task: Callable[[Task], None] = lambda task: None,
) -> list:
    """Each task's TaskValidation: its reference, blank release and fixtures graded as candidates' work."""
    from autograde.authoring.validate import validate_task

    reports = []
    for task in tasks(assignments, task_names):
        on_task(task)
        reports.append(validate_task(task, workers=workers, options=options or GradingOptions()))
    return reports


@dataclass
class ReportFiles:
    grades: Path
    items: Path
    report: Path
    profiles: list[Path]
    feedback: Path
    role: Path | None = None
    reference_solutions: list[Path] = field(default_factory=list)


@dataclass
class GradeOutcome:
    results: list[Graded]
    files: ReportFiles
    plan: Plan | None

    @property
    def not_graded(self) -> list[Graded]:
        return [g for g in self.results if g.status != "graded"]

    @property
    def errors(self) -> list[Graded]:
        """Submissions the machine failed to grade (not the candidate's doing): retried on the next run."""
        return [g for g in self.results if g.status == "error"]


def grade(
    course: Path,
    assignments: Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    options: GradingOptions | None = None,
    force: bool = False,
    force_tasks: Sequence[str] = (),
    force_candidates: Sequence[str] = (),
    on_start: Callable[[int], None] = lambda total: None,
    on_done: Callable[[Graded, bool], None] = lambda graded, reused: None,
) -> GradeOutcome:
    """Grade every submission under COURSE/submitted/<candidate>/<task>/, then write every report.

    A submission graded before is not graded again unless it, its task or its release changed, its
    last grading ended in `error`, or the caller forces it: `force` (all), `force_tasks`,
    `force_candidates`. `on_start(how many submissions)` once they are listed, `on_done(graded,
    reused)` as each one is settled. KernelsUnavailable (with the underlying error) when kernels
    cannot start here: then nothing is graded."""
    from autograde.engine.course import Course
    from autograde.engine.workers import warm_start

    if workers > 1 and not scheduler:
        warm_start()  # the workers' server imports nbgrader while this process lists the cohort
    # The reports' code imports matplotlib (0.6 s): done while the cohort is graded, not after.
    threading.Thread(target=importlib.import_module, args=("autograde.reports.html",), daemon=True).start()
    plan = course_plan(course, assignments)
    options = options or GradingOptions()
    if plan and plan.show_hidden_tests:
        options = replace(options, show_hidden_tests=True)
    target = Course(course, assignments, options=options)
    graded_tasks = [p.task for p in plan.tasks] if plan else tasks(assignments)
    if not target.submissions():
        raise KitError(f"no submissions under {target.submitted_root} (expected submitted/<candidate>/<task>/)")
    submitted = target.submissions()
    for kind, named, known in (
        ("task", force_tasks, {t for _, t in submitted}),
        ("candidate", force_candidates, {c for c, _ in submitted}),
    ):
        unknown = sorted(set(named) - known)
        if unknown:
            raise KitError(
                f"nothing submitted for {kind} {', '.join(unknown)}: cannot regrade it "
                f"(submitted: {', '.join(sorted(known))})"
            )
    on_start(len(submitted))
    from autograde.engine.cohort import grade_cohort

    def regrade(candidate: str, task: str) -> bool:
        return force or task in force_tasks or candidate in force_candidates

    results = grade_cohort(target, graded_tasks, workers=workers, scheduler=scheduler, on_done=on_done, regrade=regrade)
    results = _as_reported(target, results, plan)
    return GradeOutcome(results, write_reports(target, results, plan), plan)


def report(course: Path, assignments: Path) -> GradeOutcome:
    """Every output written again from what is already graded (the kit's records) and the gradebook
    (scores graders typed in formgrader), grading nothing: run it after manual grading. Submissions
    not graded yet are left out; `mlassess grade` grades them."""
    from autograde.assessment.results import graded_from_record
    from autograde.engine.result_store import ResultStore

    plan = course_plan(course, assignments)
    target = CourseLayout(course)
    graded_tasks = {t.name for t in ([p.task for p in plan.tasks] if plan else tasks(assignments))}
    with ResultStore(target) as store:
        records = [store.saved(c, t) for c, t in target.submissions() if t in graded_tasks]
    results = [graded_from_record(r) for r in records if r]
    if not results:
        raise KitError(f"nothing graded yet under {target.root}: run `mlassess grade` first")
    results = _as_reported(target, results, plan)
    return GradeOutcome(results, write_reports(target, results, plan), plan)


def _as_reported(course: CourseLayout, results: list[Graded], plan: Plan | None) -> list[Graded]:
    """The results every report shows: manual scores from the gradebook, and with a plan, each task
    of the plan a candidate did not submit as `missing` with zero points."""
    from autograde.assessment.results import zero_scores
    from autograde.engine.gradebook_scores import with_gradebook_scores

    results = with_gradebook_scores(course, results)
    if plan:
        submitted = {(g.candidate, g.task) for g in results}
        for candidate in sorted({g.candidate for g in results}):
            for planned in plan.tasks:
                if (candidate, planned.task.name) not in submitted:
                    why = f"not submitted (the plan includes {planned.task.name})"
                    missing = zero_scores(planned.task, "missing")
                    results.append(Graded(candidate, planned.task.name, missing, "missing", why, 0.0))
    return sorted(results, key=lambda g: (g.candidate, g.task))


def write_reports(course: CourseLayout, results: list[Graded], plan: Plan | None) -> ReportFiles:
    """grades.csv, items.csv, report.html, every profile (and role.csv with a plan; reference
    solutions for a practice plan that allows them), all from `results`."""
    from autograde.reports.csv_exports import write_grades_csv, write_items_csv
    from autograde.reports.html import write_profiles, write_report, write_role_csv
    from autograde.reports.reference_solutions import write_reference_solutions

    files = ReportFiles(
        grades=write_grades_csv(results, course.grades_csv),
        items=write_items_csv(results, course.items_csv),
        report=Path(),
        profiles=[],
        feedback=course.feedback_root,
    )
    if plan and plan.practice and plan.reference_solution:
        submitted: dict[str, list[str]] = {}
        for g in results:
            submitted.setdefault(g.candidate, []).append(g.task)
        files.reference_solutions = write_reference_solutions(plan, course, submitted)
    files.report = write_report(results, course.report_html, plan)
    files.profiles = write_profiles(results, course.feedback_root, plan)
    if plan:
        files.role = write_role_csv(results, plan, course.role_csv)
    return files


@dataclass
class FormgraderLaunch:
    command: list[str]
    env: dict[str, str]
    cwd: Path
    url: str  # what the grader opens, token included


def formgrader(
    course: Path, assignments: Path, *, port: int = 8888, token: str | None = None, ip: str = "127.0.0.1"
) -> FormgraderLaunch:
    """How to start nbgrader's formgrader on this course: a Jupyter server on `ip:port` with the kit's
    nbgrader configuration (the repository's nbgrader_config.py, pointed at this course and tasks),
    serving the course folder, behind `token` (a fresh random one by default)."""
    target = CourseLayout(course)
    if not target.gradebook.is_file():
        raise KitError(f"no gradebook at {target.gradebook}: build and grade the course first")
    command, address = _jupyter("server", target.root, port, ip, token)
    env = {**os.environ, "MLASSESS_COURSE": str(target.root), "MLASSESS_ASSIGNMENTS": str(Path(assignments).resolve())}
    return FormgraderLaunch(command, env, REPO_ROOT, address.replace("/?", "/formgrader?"))


def _jupyter(app: str, root: Path, port: int, ip: str, token: str | None) -> tuple[list[str], str]:
    """A Jupyter `app` (server, lab) serving `root` on ip:port behind a token (a fresh random one by
    default; as root it must be allowed to run), and the address to open, token included."""
    import secrets
    import shutil
    import sys

    token = token or secrets.token_urlsafe(18)
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    command = [jupyter, app, "--no-browser", f"--ip={ip}", f"--port={port}", "--port-retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    host = "127.0.0.1" if ip in ("0.0.0.0", "") else ip
    return command, f"http://{host}:{port}/?token={token}"


# What a candidate's JupyterLab leaves out: nbgrader's instructor tools (formgrader, Create Assignment...).
NBGRADER_LAB_EXTENSION = "@jupyter/nbgrader"
NBGRADER_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)


@dataclass
class LabLaunch:
    command: list[str]
    env: dict[str, str]
    folder: Path  # what the candidate's JupyterLab shows
    url: str
    built: bool  # whether the release had to be built first


def lab(
    course: Path,
    assignments: Path,
    task: str | None = None,
    *,
    candidate: str | None = None,
    port: int = 8888,
    ip: str = "127.0.0.1",
    token: str | None = None,
) -> LabLaunch:
    """How to open JupyterLab as a candidate sees it: on one candidate's variant or the shared release
    (one task's folder, or all), built first only when missing or older than the task's source, with
    nbgrader's instructor menus and server extensions off."""
    import json
    import tempfile

    target = CourseLayout(course)
    selected = tasks(assignments, [task] if task else None)
    stale = [t for t in selected if _release_is_stale(target, t)]
    if stale:
        build(course, assignments, [t.name for t in stale])
    if candidate:
        folders = [target.variant_dir(candidate, t.name) for t in selected]
        missing = [f for f in folders if not f.is_dir()]
        if missing:
            raise KitError(
                f"no release of {candidate} for {', '.join(f.name for f in missing)}: build it with "
                "`mlassess build --candidates FILE` (and the cohort secret)"
            )
        folder = folders[0] if task else folders[0].parent
    else:
        folder = target.release_dir(task) if task else target.root / "release"
    config = Path(tempfile.mkdtemp(prefix="mlassess-lab-config-"))
    (config / "labconfig").mkdir()
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {NBGRADER_LAB_EXTENSION: True}})
    )
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": dict.fromkeys(NBGRADER_SERVER_EXTENSIONS, False)}})
    )
    command, address = _jupyter("lab", folder, port, ip, token)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config)}
    return LabLaunch(command, env, folder, address.replace("/?", "/lab?"), bool(stale))


def _release_is_stale(course: CourseLayout, task: Task) -> bool:
    release = course.release_dir(task.name) / task.notebook.name
    if not release.is_file():
        return True
    newest_source = max(p.stat().st_mtime for p in task.folder.rglob("*") if p.is_file())
    return newest_source > release.stat().st_mtime


def new_task(assignments: Path, name: str) -> Path:
    """A new task folder laid out as docs/TASK_STANDARD.md asks (ScaffoldError when it cannot be)."""
    from autograde.authoring.scaffold import new_task as scaffold

    return scaffold(assignments, name)


@dataclass
class DemoOutcome:
    assignments: Path  # the tasks the demo used (the engine's fixture task when there are no product tasks)
    build: BuildOutcome
    staged: int
    graded: GradeOutcome
    problems: list[str]  # samples that did not get their declared outcome: the kit is broken here


def demo(
    course: Path | None = None,
    assignments: Path | None = None,
    *,
    options: GradingOptions | None = None,
    on_start: Callable[[int], None] = lambda total: None,
    on_done: Callable[[Graded, bool], None] = lambda graded, reused: None,
) -> DemoOutcome:
    """Build every task, stage the bundled sample cohort (each task's reference, blank release
    and fixtures, as candidates named after them) in the demo's own course (`course-demo/` by
    default), grade it, and check each sample got the outcome it declares."""
    from autograde.authoring.samples import sample_problems, stage_sample_cohort
    from autograde.layout import assignments_root, demo_course_root

    course = Path(course) if course else demo_course_root()
    assignments = Path(assignments) if assignments else assignments_root()
    if not discover(assignments):
        assignments = REPO_ROOT / "tests" / "fixture_tasks"
    built = build(course, assignments)
    selected = tasks(assignments)
    staged = stage_sample_cohort(CourseLayout(course), selected)
    graded = grade(
        course, assignments, workers=os.cpu_count() or 1, options=options, on_start=on_start, on_done=on_done
    )
    return DemoOutcome(assignments, built, staged, graded, sample_problems(graded.results, selected))
