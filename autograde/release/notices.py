"""What a plan adds to a release: the assessment notice every candidate reads
(role, time allowed, what counts), and for practice plans the tiered hints per item."""

from __future__ import annotations

from pathlib import Path

from autograde.assessment.plan import Plan
from autograde.assessment.task import Task

NOTICE = "ASSESSMENT.md"
HINTS = "HINTS.md"


def write_notice(plan: Plan, task: Task, release: Path) -> Path:
    minutes = next(p.minutes for p in plan.tasks if p.task.name == task.name)
    weights = ", ".join(f"{skill} {100 * w:.0f}%" for skill, w in sorted(plan.weights.items(), key=lambda x: -x[1]))
    lines = [
        f"# {plan.name}: {'practice' if plan.practice else 'assessment'}",
        "",
        *([plan.summary, ""] if plan.summary else []),
        f"- This task: **{task.name}**, {minutes} minutes.",
        f"- The whole {'practice set' if plan.practice else 'assessment'}: {len(plan.tasks)} task(s), "
        f"{plan.total_minutes} minutes: {', '.join(plan.task_names)}.",
        f"- What counts for this role: {weights} (share of the automatically graded points in each skill).",
        "- Hidden tests check your functions on data you have not seen; written answers are read by a person.",
    ]
    if plan.practice and plan.hints:
        lines.append(f"- Stuck? `{HINTS}` has hints for every graded item, most general first.")
    path = release / NOTICE
    path.write_text("\n".join(lines) + "\n")
    return path


def write_hints(task: Task, release: Path) -> Path:
    """HINTS.md: per item, the hints tier by tier, each folded until asked for."""
    lines = [
        f"# Hints: {task.name}",
        "",
        "Open one tier at a time: the first is a nudge, the last describes the approach.",
        "",
    ]
    for item in task.items:
        kind = "written answer" if not item.automatic else "check"
        lines += [f"## `{item.grade_id}` ({kind}, {item.points:g} point{'s' if item.points != 1 else ''})", ""]
        for tier, hint in enumerate(item.hints, 1):
            lines += ["<details>", f"<summary>Hint {tier}</summary>", "", hint, "", "</details>", ""]
    path = release / HINTS
    path.write_text("\n".join(lines))
    return path
