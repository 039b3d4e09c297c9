"""A task as its author wrote it: `assignments/<name>/` with one nbgrader source
notebook, `task.yaml` (skills per graded item, budgets, fixture expectations)
and `fixtures/` (submissions the kit grades to prove the task's own grading)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from autograde.layout import FIXTURES, TASK_FILE
from autograde.trust_boundary.limits import Limits, LimitsError

SKILLS = ("data", "modeling", "evaluation", "monitoring", "mlops")
DIMENSIONS = ("correctness", "reproducibility", "robustness", "judgement")


class TaskError(ValueError):
    """A task folder an author must fix before the kit can use it."""


@dataclass(frozen=True)
class Item:
    """One gradable cell: an autograded test cell or a manually graded answer."""

    grade_id: str
    points: float
    automatic: bool
    skill: str | None
    dimension: str | None
    hints: tuple[str, ...] = ()  # most general first: a practice release shows them tier by tier
    explain: str = ""  # what the item checks and why it matters: practice feedback shows it when lost
    # The author's word that this item reads hidden labels only to give them to candidate code (a split,
    # a metric, a promotion gate), never to score the candidate's predictions: see validate's label check.
    gives_hidden_labels: bool = False


@dataclass(frozen=True)
class Fixture:
    """A known submission and the automatic items it must fail (none: full marks)."""

    path: Path
    fails: frozenset[str]

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass
class Task:
    name: str
    folder: Path
    notebook: Path
    items: list[Item]
    fixtures: list[Fixture]
    runtime_budget_s: float
    time_budget_minutes: int | None
    datasets: list[str] = field(default_factory=list)  # generated per candidate at build (autograde.datasets)
    limits: Limits = field(default_factory=Limits)  # what grading one notebook may use (task.yaml `limits:`)
    problems: list[str] = field(default_factory=list)

    @property
    def auto_max(self) -> float:
        return sum(item.points for item in self.items if item.automatic)

    @property
    def max_score(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def skills(self) -> list[str]:
        return sorted({item.skill for item in self.items if item.skill})

    @classmethod
    def load(cls, folder: Path) -> Task:
        folder = Path(folder).resolve()
        meta_path = folder / TASK_FILE
        if not meta_path.is_file():
            raise TaskError(f"{folder}: no {TASK_FILE}")
        try:
            meta = yaml.safe_load(meta_path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise TaskError(f"{meta_path}: not valid YAML: {exc}") from exc
        if not isinstance(meta, dict):
            raise TaskError(f"{meta_path}: expected a mapping of settings")

        notebooks = sorted(folder.glob("*.ipynb"))
        if len(notebooks) != 1:
            raise TaskError(f"{folder}: expected exactly one source notebook, found {len(notebooks)}")
        notebook = notebooks[0]

        problems: list[str] = []
        tags = meta.get("items") or {}
        cells = nbformat.read(notebook, as_version=4).cells
        items = [_item(cell, tags, problems) for cell in cells if _nbgrader_flag(cell, "grade")]
        for unknown in sorted(set(tags) - {item.grade_id for item in items}):
            problems.append(f"task.yaml tags item '{unknown}', which the notebook does not have")
        if not items:
            problems.append("the notebook has no graded cells")
        problems.extend(_standard_problems(meta, cells, items))
        problems.extend(_placeholders(meta_path.name, meta_path.read_text()))
        problems.extend(_placeholders(notebook.name, "\n".join(c.source for c in cells)))

        automatic = {item.grade_id for item in items if item.automatic}
        fixtures = []
        for file_name, expect in sorted((meta.get("fixtures") or {}).items()):
            fails = frozenset((expect or {}).get("fails") or [])
            for unknown in sorted(fails - automatic):
                problems.append(f"fixture {file_name} expects to fail '{unknown}', not an automatic item")
            path = folder / FIXTURES / file_name
            if not path.is_file():
                problems.append(f"fixture {file_name} is listed in task.yaml but missing from fixtures/")
            fixtures.append(Fixture(path, fails))
        listed = {f.path.name for f in fixtures}
        for stray in sorted(p.name for p in (folder / FIXTURES).glob("*.ipynb") if p.name not in listed):
            problems.append(f"fixtures/{stray} has no expectation in task.yaml")
        if not any(not f.fails for f in fixtures):
            problems.append("no alternative correct solution among the fixtures (one must expect full marks)")
        if not any(f.fails for f in fixtures):
            problems.append("no typical-mistake fixture (one must expect to fail named items)")

        try:
            limits = Limits.from_task(meta.get("limits"))
        except LimitsError as exc:
            problems.append(f"task.yaml {exc}")
            limits = Limits()
        return cls(
            name=folder.name,
            folder=folder,
            notebook=notebook,
            items=items,
            fixtures=fixtures,
            runtime_budget_s=float(meta.get("runtime_budget_s", 60)),
            time_budget_minutes=meta.get("time_budget_minutes"),
            datasets=_datasets(meta.get("datasets"), problems),
            problems=problems,
            limits=limits,
        )


def _nbgrader_flag(cell, flag: str) -> bool:
    """nbgrader's cell flags (grade, solution), read as nbgrader.utils reads them; not imported
    from there, because importing nbgrader costs a second and `mlassess grade` loads tasks
    while its workers start."""
    return bool(cell.metadata.get("nbgrader", {}).get(flag, False))


def _item(cell, tags: dict, problems: list[str]) -> Item:
    grade_id = cell.metadata["nbgrader"]["grade_id"]
    tag = tags.get(grade_id) or {}
    skill, dimension = tag.get("skill"), tag.get("dimension")
    if skill not in SKILLS:
        problems.append(f"item '{grade_id}' needs a skill tag, one of {', '.join(SKILLS)} (task.yaml items)")
    if dimension not in DIMENSIONS:
        problems.append(f"item '{grade_id}' needs a dimension tag, one of {', '.join(DIMENSIONS)} (task.yaml items)")
    hints = tag.get("hints") or []
    if not isinstance(hints, list) or len(hints) < 2 or not all(isinstance(h, str) and h.strip() for h in hints):
        problems.append(
            f"item '{grade_id}' needs hints for practice releases: two or more tiers, most general "
            "first (task.yaml items.<id>.hints)"
        )
        hints = []
    explain = tag.get("explain")
    if not isinstance(explain, str) or not explain.strip():
        problems.append(
            f"item '{grade_id}' needs an explanation of what it checks and why it matters, shown in "
            "practice feedback when the item is lost (task.yaml items.<id>.explain)"
        )
        explain = ""
    return Item(
        grade_id=grade_id,
        points=float(cell.metadata["nbgrader"]["points"]),
        automatic=not _nbgrader_flag(cell, "solution"),
        skill=skill,
        dimension=dimension,
        hints=tuple(h.strip() for h in hints),
        explain=explain.strip(),
        gives_hidden_labels=tag.get("gives_hidden_labels") is True,
    )


GENERIC_ID = re.compile(r"^(test|item|question|q|answer|cell)_?\d+$")
PLACEHOLDER = "TODO"  # what `mlassess new` leaves for the author to replace


def _standard_problems(meta: dict, cells, items: list[Item]) -> list[str]:
    """What docs/TASK_STANDARD.md asks of every task, said the way an author fixes it."""
    problems = []
    minutes = meta.get("time_budget_minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        problems.append("task.yaml time_budget_minutes: say how long a competent engineer needs (45-90 minutes)")
    runtime = meta.get("runtime_budget_s")
    if not isinstance(runtime, (int, float)) or isinstance(runtime, bool) or not 0 < runtime <= 60:
        problems.append(
            "task.yaml runtime_budget_s: the reference must grade within at most 60 s on 2 CPU cores; "
            "declare the budget (a number from 1 to 60)"
        )
    manual = [i for i in items if not i.automatic]
    if not 1 <= len(manual) <= 3:
        problems.append(
            f"the notebook has {len(manual)} manually graded written answers; a task has one to three "
            "(production judgement, with a rubric in the source)"
        )
    if items and all(not i.automatic for i in items):
        problems.append("the notebook has no autograded test cells")
    if not any("BEGIN HIDDEN TESTS" in c.source for c in cells if c.cell_type == "code"):
        problems.append(
            "no hidden tests: test cells need a ### BEGIN HIDDEN TESTS region checking inputs the candidate never sees"
        )
    for item in items:
        if GENERIC_ID.match(item.grade_id):
            problems.append(
                f"grade_id '{item.grade_id}' says nothing: name the idea it checks "
                "(test_split_has_no_leakage, not test_3)"
            )
    return problems


def _placeholders(file_name: str, text: str) -> list[str]:
    """Scaffold text an author has not replaced yet."""
    found = [x.strip() for x in text.splitlines() if PLACEHOLDER in x]
    if not found:
        return []
    return [f"{file_name} still holds {len(found)} scaffold placeholder(s) ({PLACEHOLDER}), first: {found[0][:80]!r}"]


def _datasets(names, problems: list[str]) -> list[str]:
    from autograde.datasets import DATASETS

    names = list(names or [])
    for name in names:
        if name not in DATASETS:
            problems.append(f"task.yaml datasets: unknown dataset '{name}'; known: {', '.join(sorted(DATASETS))}")
    return [n for n in names if n in DATASETS]


def discover(assignments: Path) -> list[Task]:
    """Every task folder (one holding a task.yaml) under `assignments`, by name."""
    return [Task.load(p.parent) for p in sorted(Path(assignments).glob(f"*/{TASK_FILE}"))]


def select(assignments: Path, names: list[str] | None = None) -> list[Task]:
    """The named tasks (all when none are named); an unknown name is an error."""
    tasks = discover(assignments)
    if not names:
        return tasks
    by_name = {t.name: t for t in tasks}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise TaskError(
            f"no task named {', '.join(unknown)} under {assignments} (tasks: {', '.join(by_name) or 'none'})"
        )
    return [by_name[n] for n in names]
