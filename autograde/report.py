"""`report.html` for the cohort: who scored what, per task and per skill, and
which items candidates passed, rendered with Jinja2 and matplotlib."""
from __future__ import annotations

import io
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograde.grading import Graded  # noqa: E402
from autograde.task import SKILLS  # noqa: E402

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("autograde", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)


def _histogram_svg(scores: list[float], max_score: float, title: str) -> str:
    plt.rcParams["svg.hashsalt"] = "mlassess"  # stable element ids: same cohort, same bytes
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.hist(scores, bins=min(10, max(1, int(max_score) + 1)), range=(0, max_score or 1), color="#3b6ea8")
    ax.set_title(title)
    ax.set_xlabel("score")
    ax.set_ylabel("candidates")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()[buffer.getvalue().index("<svg"):]


def _item_rows(results: list[Graded]) -> list[dict]:
    passes: dict[tuple[str, str], list[bool]] = {}
    for g in results:
        if g.status != "graded":
            continue
        for item in g.items:
            if item.automatic:
                passes.setdefault((g.task, item.grade_id), []).append(item.score >= item.max_score)
    rows = []
    for (task, grade_id), outcomes in sorted(passes.items()):
        share = sum(outcomes) / len(outcomes)
        flag = "nobody passes" if share == 0 else "everybody passes" if share == 1 else ""
        rows.append({"task": task, "item": grade_id, "share": share, "n": len(outcomes), "flag": flag})
    return rows


def write_report(results: list[Graded], path: Path) -> Path:
    tasks = []
    for name in sorted({g.task for g in results}):
        rows = sorted((g for g in results if g.task == name), key=lambda g: g.candidate)
        max_score = max(g.max_score for g in rows)
        tasks.append({
            "name": name,
            "rows": rows,
            "max_score": max_score,
            "histogram": _histogram_svg([g.score for g in rows], max_score, name),
        })
    html = TEMPLATES.get_template("report.html.j2").render(
        tasks=tasks, skills=SKILLS, items=_item_rows(results),
        candidates=len({g.candidate for g in results}), failures=sum(g.status != "graded" for g in results),
    )
    Path(path).write_text(html)
    return Path(path)
