"""The reports people read: `report.html` for the cohort (score distributions, skill
views, item statistics) and `feedback/<candidate>/profile.html` for each candidate
(their skill profile and what each lost item was about), rendered with Jinja2 and
matplotlib. Same results, same bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import jinja2
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograde.assessment.plan import Plan  # noqa: E402
from autograde.assessment.results import Graded  # noqa: E402
from autograde.assessment.task import SKILLS  # noqa: E402

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("autograde", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)
WEAK_DISCRIMINATION = 0.2  # corrected item-total correlation below this tells candidates apart poorly


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()[buffer.getvalue().index("<svg") :]


def _histogram_svg(scores: list[float], max_score: float, title: str) -> str:
    plt.rcParams["svg.hashsalt"] = "mlassess"  # stable element ids
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.hist(scores, bins=min(10, max(1, int(max_score) + 1)), range=(0, max_score or 1), color="#3b6ea8")
    ax.set_title(title)
    ax.set_xlabel("score")
    ax.set_ylabel("candidates")
    return _svg(fig)


def _skill_bars_svg(
    shares: dict[str, float],
    title: str,
    reference: dict[str, float] | None = None,
    weights: dict[str, float] | None = None,
) -> str:
    """Share earned per skill, drawn as plain SVG (one per candidate: thousands of them stay
    cheap); with a role's weights, the skills it weighs most come first, labelled."""
    names = sorted(shares, key=lambda n: -weights.get(n, 0)) if weights else list(shares)
    rows = [
        {
            "label": f"{n} ({100 * weights.get(n, 0):.0f}% of role)" if weights else n,
            "share": shares[n],
            "reference": reference.get(n, 0) if reference else None,
        }
        for n in names
    ]
    return TEMPLATES.get_template("skill_bars.svg.j2").render(rows=rows, title=title, legend=bool(reference))


def skill_shares(results: list[Graded]) -> dict[str, float]:
    """Share of the available points earned per skill, over the given results: automatic items, and
    written answers once a grader scored them (those awaiting a grade count neither way)."""
    earned = {s: 0.0 for s in SKILLS}
    available = {s: 0.0 for s in SKILLS}
    for g in results:
        for item in g.items:
            if item.skill and not item.awaiting_manual:
                earned[item.skill] += item.score
                available[item.skill] += item.max_score
    return {s: earned[s] / available[s] for s in SKILLS if available[s]}


def item_statistics(results: list[Graded]) -> list[dict]:
    """Per automatic item: the share who passed it and how well it separates strong from
    weak candidates (correlation of passing it with the rest of their score on that task)."""
    rows = []
    for task in sorted({g.task for g in results}):
        graded = [g for g in results if g.task == task and g.status == "graded"]
        if not graded:
            continue
        names = [i.grade_id for i in graded[0].items if i.automatic]
        passed = np.array([[i.score >= i.max_score for i in g.items if i.automatic] for g in graded], dtype=float)
        totals = np.array([g.auto_score for g in graded])
        for k, name in enumerate(names):
            share = passed[:, k].mean()
            rest = totals - np.array([g.items[[i.grade_id for i in g.items].index(name)].score for g in graded])
            spread = passed[:, k].std() * rest.std()
            separation = float(np.corrcoef(passed[:, k], rest)[0, 1]) if spread > 0 else None
            flag = (
                "nobody passes"
                if share == 0
                else "everybody passes"
                if share == 1
                else "weak separation"
                if len(graded) >= 5 and separation is not None and separation < WEAK_DISCRIMINATION
                else ""
            )
            rows.append(
                {"task": task, "item": name, "share": share, "n": len(graded), "separation": separation, "flag": flag}
            )
    return rows


def role_rows(results: list[Graded], plan: Plan) -> list[dict]:
    """Per candidate: role score (0-100, automatic items weighted by the role) and band."""
    rows = []
    for candidate in sorted({g.candidate for g in results}):
        score = plan.role_score([g for g in results if g.candidate == candidate])
        rows.append({"candidate": candidate, "score": score, "band": plan.band(score)})
    return rows


def write_role_csv(results: list[Graded], plan: Plan, path: Path) -> Path:
    """`role.csv`: candidate, plan, role_score, band; same results, same bytes."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["candidate", "plan", "role_score", "band"])
        for row in role_rows(results, plan):
            writer.writerow([row["candidate"], plan.name, f"{row['score']:.1f}", row["band"]])
    return Path(path)


def write_report(results: list[Graded], path: Path, plan: Plan | None = None) -> Path:
    tasks = []
    for name in sorted({g.task for g in results}):
        rows = sorted((g for g in results if g.task == name), key=lambda g: g.candidate)
        max_score = max(g.max_score for g in rows)
        tasks.append(
            {
                "name": name,
                "rows": rows,
                "max_score": max_score,
                "histogram": _histogram_svg([g.score for g in rows], max_score, name),
            }
        )
    cohort_skills = skill_shares(results)
    roles = role_rows(results, plan) if plan else []
    candidates = sorted({g.candidate for g in results})
    skill_table = [(c, skill_shares([g for g in results if g.candidate == c])) for c in candidates]
    html = TEMPLATES.get_template("report.html.j2").render(
        tasks=tasks,
        skills=SKILLS,
        items=item_statistics(results),
        candidates=len(candidates),
        failures=sum(g.status != "graded" for g in results),
        awaiting=sum(len(g.awaiting_manual) for g in results),
        skill_table=skill_table,
        skill_chart=_skill_bars_svg(cohort_skills, "cohort: share of points earned per skill") if cohort_skills else "",
        used_skills=list(cohort_skills),
        plan=plan,
        roles=roles,
        bands=[(name, lowest, sum(r["band"] == name for r in roles)) for name, lowest in plan.bands] if plan else [],
    )
    Path(path).write_text(html)
    return Path(path)


def write_profiles(results: list[Graded], feedback_root: Path, plan: Plan | None = None) -> list[Path]:
    """`feedback/<candidate>/profile.html`: what a candidate demonstrably did and did not do;
    with a plan, measured against the role, and in practice, why each lost item matters."""
    cohort = skill_shares(results)
    items = {(p.task.name, i.grade_id): i for p in plan.tasks for i in p.task.items} if plan else {}
    written = []
    for candidate in sorted({g.candidate for g in results}):
        mine = sorted((g for g in results if g.candidate == candidate), key=lambda g: g.task)
        shares = skill_shares(mine)
        folder = Path(feedback_root) / candidate
        folder.mkdir(parents=True, exist_ok=True)
        feedback = {
            g.task: sorted(p.relative_to(folder).as_posix() for p in (folder / g.task).glob("*.html")) for g in mine
        }
        role = None
        if plan:
            score = plan.role_score(mine)
            role = {"score": score, "band": plan.band(score), "weights": plan.weights}
        html = TEMPLATES.get_template("profile.html.j2").render(
            candidate=candidate,
            results=mine,
            feedback=feedback,
            plan=plan,
            role=role,
            shares=shares,
            explained=items if plan and plan.practice else {},
            chart=_skill_bars_svg(shares, f"{candidate}: skill profile", cohort, plan.weights if plan else None)
            if shares
            else "",
        )
        (folder / "profile.html").write_text(html)
        written.append(folder / "profile.html")
    return written
