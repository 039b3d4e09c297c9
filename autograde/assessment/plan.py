"""An assessment plan: which tasks a role is assessed on, how much each skill
counts for that role, the time allowed per task, the score bands a hiring panel
reads, and whether the release is an assessment or practice for upskilling.

    name: ML engineer
    summary: Owns training and deployment mechanics.
    tasks:
      - {task: 02-pytorch-training, minutes: 90}
    skills: {data: 1, modeling: 3, evaluation: 2, monitoring: 0, mlops: 2}
    bands: {strong: 75, meets: 55, below: 0}
    mode: assessment            # or practice
    practice: {hints: true, reference_solution: false}
    feedback: {show_hidden_tests: false}

A mistake in the file is a PlanError that names the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from autograde.assessment.results import Graded
from autograde.assessment.task import SKILLS, Task, TaskError, discover

MODES = ("assessment", "practice")
KEYS = {"name", "summary", "tasks", "skills", "bands", "mode", "practice", "feedback"}


class PlanError(ValueError):
    """A plan file a team lead must fix; the message names the file and the key."""


@dataclass(frozen=True)
class PlannedTask:
    task: Task
    minutes: int


@dataclass(frozen=True)
class Plan:
    path: Path
    name: str
    summary: str
    tasks: list[PlannedTask]
    weights: dict[str, float]  # per skill, summing to 1: the role's profile
    bands: list[tuple[str, float]]  # (band, lowest role score), highest first; the last starts at 0
    mode: str
    hints: bool
    reference_solution: bool
    show_hidden_tests: bool

    @property
    def practice(self) -> bool:
        return self.mode == "practice"

    @property
    def task_names(self) -> list[str]:
        return [p.task.name for p in self.tasks]

    @property
    def total_minutes(self) -> int:
        return sum(p.minutes for p in self.tasks)

    def role_score(self, results: list[Graded]) -> float:
        """0-100: the share of automatic points earned in each skill, weighted by the role.
        Manual items are left out: they are graded later, by hand, in formgrader."""
        earned = {s: 0.0 for s in self.weights}
        available = {s: 0.0 for s in self.weights}
        by_task = {g.task: g for g in results}
        for planned in self.tasks:
            graded = by_task.get(planned.task.name)
            for item in planned.task.items:
                if item.automatic and item.skill in self.weights:
                    available[item.skill] += item.points
                    if graded is not None:
                        earned[item.skill] += next((i.score for i in graded.items if i.grade_id == item.grade_id), 0.0)
        return 100 * sum(w * earned[s] / available[s] for s, w in self.weights.items())

    def band(self, score: float) -> str:
        return next(name for name, lowest in self.bands if score >= lowest - 1e-9)

    @classmethod
    def load(cls, path: Path, assignments: Path) -> Plan:
        path = Path(path)
        where = str(path)
        if not path.is_file():
            raise PlanError(f"{where}: no such plan file")
        try:
            raw = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise PlanError(f"{where}: not valid YAML: {exc}") from exc
        if not isinstance(raw, dict):
            raise PlanError(f"{where}: expected a mapping with {', '.join(sorted(KEYS))}")
        unknown = sorted(set(raw) - KEYS)
        if unknown:
            raise PlanError(f"{where}: unknown key(s) {', '.join(unknown)}; a plan has {', '.join(sorted(KEYS))}")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PlanError(f"{where}: name: give the role or assessment a name")
        tasks = _tasks(raw.get("tasks"), assignments, where)
        weights = _weights(raw.get("skills"), tasks, where)
        mode = raw.get("mode", "assessment")
        if mode not in MODES:
            raise PlanError(f"{where}: mode: '{mode}' is not one of {', '.join(MODES)}")
        practice = _flags(raw.get("practice"), {"hints": True, "reference_solution": False}, "practice", where)
        if raw.get("practice") is not None and mode != "practice":
            raise PlanError(f"{where}: practice: set mode: practice to use practice options")
        feedback = _flags(raw.get("feedback"), {"show_hidden_tests": False}, "feedback", where)
        if practice["hints"] and mode == "practice":
            for planned in tasks:
                bare = [i.grade_id for i in planned.task.items if len(i.hints) < 2]
                if bare:
                    raise PlanError(
                        f"{where}: tasks: {planned.task.name} has no hints for {', '.join(bare)}; "
                        "a practice plan with hints needs two or more tiers per item (task.yaml)"
                    )
        return cls(
            path=path.resolve(),
            name=name.strip(),
            summary=str(raw.get("summary") or "").strip(),
            tasks=tasks,
            weights=weights,
            bands=_bands(raw.get("bands"), where),
            mode=mode,
            hints=practice["hints"],
            reference_solution=practice["reference_solution"],
            show_hidden_tests=feedback["show_hidden_tests"],
        )


def _tasks(entries, assignments: Path, where: str) -> list[PlannedTask]:
    if not isinstance(entries, list) or not entries:
        raise PlanError(f"{where}: tasks: list the tasks, e.g. '- {{task: 01-data-preprocessing}}'")
    try:
        known = {t.name: t for t in discover(assignments)}
    except TaskError as exc:
        raise PlanError(f"{where}: tasks: {exc}") from exc
    planned, seen = [], set()
    for n, entry in enumerate(entries, 1):
        if isinstance(entry, str):
            entry = {"task": entry}
        if not isinstance(entry, dict) or set(entry) - {"task", "minutes"}:
            raise PlanError(f"{where}: tasks[{n}]: expected {{task: NAME, minutes: N}}, got {entry!r}")
        name = entry.get("task")
        if name not in known:
            raise PlanError(
                f"{where}: tasks[{n}]: no task named '{name}' under {assignments} (tasks: {', '.join(known) or 'none'})"
            )
        if name in seen:
            raise PlanError(f"{where}: tasks[{n}]: '{name}' is listed twice")
        seen.add(name)
        minutes = entry.get("minutes", known[name].time_budget_minutes)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 480:
            raise PlanError(
                f"{where}: tasks[{n}] ({name}): minutes must be a whole number from 5 to 480, got {minutes!r}"
            )
        budget = known[name].time_budget_minutes
        if isinstance(budget, int) and minutes != budget:
            raise PlanError(
                f"{where}: tasks[{n}] ({name}): minutes {minutes}, but the task's notebook tells candidates "
                f"{budget} minutes (task.yaml time_budget_minutes): leave minutes out, or give {budget}"
            )
        planned.append(PlannedTask(known[name], minutes))
    return planned


def _weights(raw, tasks: list[PlannedTask], where: str) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise PlanError(
            f"{where}: skills: give each skill the role owns a weight, e.g. {{modeling: 3, mlops: 1}}; "
            f"skills: {', '.join(SKILLS)}"
        )
    for skill, weight in raw.items():
        if skill not in SKILLS:
            raise PlanError(f"{where}: skills.{skill}: unknown skill; skills are {', '.join(SKILLS)}")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            raise PlanError(f"{where}: skills.{skill}: weight must be a number >= 0, got {weight!r}")
    graded = {i.skill for p in tasks for i in p.task.items if i.automatic}
    for skill, weight in raw.items():
        if weight > 0 and skill not in graded:
            raise PlanError(
                f"{where}: skills.{skill}: weighted {weight:g}, but no automatic item of the plan's tasks "
                f"grades {skill}; add a task that does or set its weight to 0"
            )
    total = sum(raw.values())
    if total <= 0:
        raise PlanError(f"{where}: skills: at least one weight must be above 0")
    return {s: raw[s] / total for s in SKILLS if raw.get(s)}


def _bands(raw, where: str) -> list[tuple[str, float]]:
    if not isinstance(raw, dict) or not raw:
        raise PlanError(
            f"{where}: bands: name score bands from highest to lowest, e.g. {{strong: 75, meets: 55, below: 0}}"
        )
    bands = list(raw.items())
    for band, lowest in bands:
        if not isinstance(lowest, (int, float)) or isinstance(lowest, bool) or not 0 <= lowest <= 100:
            raise PlanError(
                f"{where}: bands.{band}: the lowest role score must be a number from 0 to 100, got {lowest!r}"
            )
    for (upper, high), (lower, low) in zip(bands, bands[1:]):
        if low >= high:
            raise PlanError(
                f"{where}: bands: list them from highest to lowest ('{lower}' starts at {low:g}, "
                f"not below '{upper}' at {high:g})"
            )
    if bands[-1][1] != 0:
        raise PlanError(f"{where}: bands.{bands[-1][0]}: the lowest band must start at 0, so every score has a band")
    return [(str(band), float(lowest)) for band, lowest in bands]


def _flags(raw, defaults: dict[str, bool], key: str, where: str) -> dict[str, bool]:
    if raw is None:
        return dict(defaults)
    if not isinstance(raw, dict):
        raise PlanError(f"{where}: {key}: expected a mapping of {', '.join(defaults)}")
    for flag, value in raw.items():
        if flag not in defaults:
            raise PlanError(f"{where}: {key}.{flag}: unknown option; options are {', '.join(defaults)}")
        if not isinstance(value, bool):
            raise PlanError(f"{where}: {key}.{flag}: expected true or false, got {value!r}")
    return {**defaults, **raw}
