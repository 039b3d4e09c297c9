"""Assessment plans: every shipped role plan builds and grades the sample cohort and
reports against the role; a plan with a mistake is refused with the mistake named."""

import csv

import pytest
import yaml

from autograde import api
from autograde.assessment.plan import PlanError
from autograde.authoring.samples import stage_sample_cohort
from autograde.engine.course import Course
from helpers import FIXTURE_TASKS, REPO, run_tool

PLANS = sorted((REPO / "plans").glob("*.yaml"))
ASSIGNMENTS = REPO / "assignments"


def test_the_kit_ships_a_plan_per_role_and_a_practice_plan():
    """Are there plans for the roles hiring teams assess, and one for upskilling?"""
    names = {yaml.safe_load(p.read_text())["name"] for p in PLANS}
    assert {"ML engineer", "MLOps engineer", "Data scientist", "AI engineer"} <= names
    assert any(yaml.safe_load(p.read_text()).get("mode") == "practice" for p in PLANS)


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_each_shipped_plan_builds_and_grades_the_sample_cohort_against_its_role(plan, tmp_path):
    """Does a shipped plan build its tasks, grade the sample cohort, and place the
    reference at the top band and the blank at the bottom of the role's bands?"""
    spec = yaml.safe_load(plan.read_text())
    tasks = [t["task"] for t in spec["tasks"]]
    bands = list(spec["bands"])
    course = tmp_path / "course"
    built = run_tool("mlassess", "build", "--course", str(course), "--plan", str(plan))
    assert built.returncode == 0, built.stderr
    assert sorted(p.name for p in (course / "release").iterdir()) == sorted(tasks)
    for entry in spec["tasks"]:
        notice = (course / "release" / entry["task"] / "ASSESSMENT.md").read_text()
        budget = yaml.safe_load((ASSIGNMENTS / entry["task"] / "task.yaml").read_text())["time_budget_minutes"]
        assert spec["name"] in notice and f"{entry.get('minutes', budget)} minutes" in notice
        assert (course / "release" / entry["task"] / "HINTS.md").exists() == (spec.get("mode") == "practice")

    # the sample cohort for a plan: the reference (strongest) and blank release (weakest) of each task
    staged = Course(course, ASSIGNMENTS)
    stage_sample_cohort(staged, [t for t in staged.tasks() if t.name in tasks], with_fixtures=False)
    graded = run_tool("mlassess", "grade", "--course", str(course), "--workers", "1")
    assert graded.returncode == 0, graded.stderr

    with open(course / "grades.csv") as f:
        assert sorted({row["task"] for row in csv.DictReader(f)}) == sorted(tasks)
    with open(course / "role.csv") as f:
        role = {row["candidate"]: row for row in csv.DictReader(f)}
    assert role["reference"]["role_score"] == "100.0" and role["reference"]["band"] == bands[0]
    assert role["blank"]["role_score"] == "0.0" and role["blank"]["band"] == bands[-1]
    assert {row["plan"] for row in role.values()} == {spec["name"]}
    report = (course / "report.html").read_text()
    assert f"Role: {spec['name']}" in report
    profile = (course / "feedback" / "blank" / "profile.html").read_text()
    assert f"Against the {spec['name']} profile" in profile
    assert ('class="why"' in profile) == (spec.get("mode") == "practice")  # lost items explained in practice only


GOOD = {
    "name": "Fixture role",
    "tasks": [{"task": "standardize-features", "minutes": 10}],
    "skills": {"data": 1},
    "bands": {"pass": 50, "fail": 0},
}


@pytest.mark.parametrize(
    "change, named",
    [
        (lambda p: p["tasks"].append({"task": "99-no-such-task"}), "no task named '99-no-such-task'"),
        (lambda p: p["skills"].update(modelling=2), "skills.modelling: unknown skill"),
        (lambda p: p["skills"].update(mlops=2), "skills.mlops: weighted 2, but no automatic item"),
        (lambda p: p["skills"].update(data=-1), "skills.data: weight must be a number >= 0"),
        (lambda p: p.update(bands={"fail": 0, "pass": 50}), "bands: list them from highest to lowest"),
        (lambda p: p.update(bands={"pass": 50, "fail": 10}), "bands.fail: the lowest band must start at 0"),
        (lambda p: p["tasks"][0].update(minutes=0), "minutes must be a whole number from 5 to 480"),
        (lambda p: p["tasks"][0].update(minutes=45), "minutes 45, but the task's notebook tells candidates 10 minutes"),
        (lambda p: p.update(weights={"data": 1}), "unknown key(s) weights"),
        (lambda p: p.update(practice={"hints": True}), "practice: set mode: practice"),
        (lambda p: p.update(mode="exam"), "mode: 'exam' is not one of"),
        (lambda p: p.pop("name"), "name: give the role"),
    ],
)
def test_a_plan_with_a_mistake_is_refused_naming_it(tmp_path, change, named):
    """Does building with a plan stop before building anything, and say which key of which file is wrong?"""
    plan = dict(GOOD, tasks=[dict(t) for t in GOOD["tasks"]], skills=dict(GOOD["skills"]))
    change(plan)
    path = tmp_path / "broken-plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    with pytest.raises(PlanError) as refused:
        api.build(tmp_path / "course", FIXTURE_TASKS, plan=path)
    message = " ".join(str(refused.value).split())
    assert "broken-plan.yaml" in message and named in message, message
    assert not (tmp_path / "course" / "release").exists()


def test_a_plan_that_is_not_yaml_is_refused_in_one_line(tmp_path):
    """Does `mlassess build --plan` with broken YAML exit 2 with an error naming the file, not a traceback?"""
    path = tmp_path / "broken-plan.yaml"
    path.write_text("name: [unclosed\n")
    result = run_tool(
        "mlassess", "build", "--course", str(tmp_path / "course"), "--assignments", str(FIXTURE_TASKS),
        "--plan", str(path),
    )  # fmt: skip
    assert result.returncode == 2 and "broken-plan.yaml: not valid YAML" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_building_without_a_plan_forgets_the_earlier_plan(tmp_path):
    """Does a course rebuilt without a plan stop reporting against the old one?"""
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(GOOD, sort_keys=False))
    course = tmp_path / "course"
    built = api.build(course, FIXTURE_TASKS, plan=path)
    assert built.plan_file == course / "plan.yaml" and built.plan_file.is_file()
    assert api.course_plan(course, FIXTURE_TASKS).name == GOOD["name"]
    api.build(course, FIXTURE_TASKS)
    assert not (course / "plan.yaml").exists() and api.course_plan(course, FIXTURE_TASKS) is None
    assert not (course / "release" / "standardize-features" / "ASSESSMENT.md").exists()
