"""Practice releases for upskilling: hints for every item, tier by tier, and still no
hidden test or solution text anywhere a candidate can read it."""

import re
import shutil
import subprocess

import nbformat
import pytest
import yaml
from markupsafe import escape

from autograde.assessment.task import discover
from autograde.reports.reference_solutions import reference_solution_html
from helpers import FIXTURE_TASK, FIXTURE_TASKS, REPO, run_tool

TASKS = discover(REPO / "assignments")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _lines(task, regions: str) -> tuple[set[str], set[str]]:
    """Lines (long enough to mean something) inside the given marker regions, and all other lines."""
    inside_lines, outside, inside = set(), set(), False
    for cell in nbformat.read(task.notebook, as_version=4).cells:
        for line in (x.strip() for x in cell.source.splitlines()):
            if re.search(rf"BEGIN ({regions})", line):
                inside = True
            elif re.search(rf"END ({regions})", line):
                inside = False
            elif len(line) >= 25:
                (inside_lines if inside else outside).add(line)
    public = "\n".join(outside)
    return {x for x in inside_lines - outside if x not in public}, outside


def _hidden_lines(task) -> set[str]:
    """Every line of a hidden-test or solution region found nowhere else in the source."""
    return _lines(task, "HIDDEN TESTS|SOLUTION")[0]


def _public_lines(release) -> set[str]:
    nb = nbformat.read(release, as_version=4)
    return {x.strip() for c in nb.cells for x in c.source.splitlines()}


@pytest.fixture(scope="module")
def practice_course(tmp_path_factory):
    """Every product task released as practice, hints on."""
    root = tmp_path_factory.mktemp("practice")
    plan = root / "practice-everything.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "name": "Practice everything",
                "mode": "practice",
                "practice": {"hints": True, "reference_solution": True},
                "tasks": [{"task": t.name} for t in TASKS],
                "skills": {"data": 1, "monitoring": 1},
                "bands": {"ready": 70, "starting": 0},
            },
            sort_keys=False,
        )
    )
    result = run_tool("mlassess", "build", "--course", str(root / "course"), "--plan", str(plan))
    assert result.returncode == 0, result.stderr
    return root / "course"


@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_a_practice_release_has_tiered_hints_for_every_item(practice_course, task):
    """Does HINTS.md carry each graded item with at least two tiers, in the task's order?"""
    hints = (practice_course / "release" / task.name / "HINTS.md").read_text()
    for item in task.items:
        section = hints.split(f"## `{item.grade_id}`", 1)[1].split("\n## ", 1)[0]
        assert section.count("<summary>Hint ") == len(item.hints) >= 2
        assert item.hints[0] in section
    assert [m for m in re.findall(r"## `(\w+)`", hints)] == [i.grade_id for i in task.items]


@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_a_practice_release_holds_no_hidden_test_or_solution_text(practice_course, task):
    """Does any file of a practice release (notebook, hints, notice, data) contain a line of
    the hidden tests or the solutions, or a marker that shows where they were?"""
    release = practice_course / "release" / task.name
    secret = _hidden_lines(task) - _public_lines(release / task.notebook.name)
    assert secret, "the scan found nothing to look for"
    for path in (p for p in release.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        assert not re.search(r"(BEGIN|END) (HIDDEN TESTS|SOLUTION|MARK SCHEME)", text), path
        found = [line for line in secret if line in text]
        assert not found, f"{path.name} holds hidden text: {found[:3]}"


@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_the_reference_solution_page_leaves_hidden_tests_out(task):
    """Does the reference solution a practice plan may show keep the solutions but not the hidden tests?"""
    page = reference_solution_html(task)
    hidden = _lines(task, "HIDDEN TESTS")[0]
    assert hidden
    escaped = (
        page.replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
    text = re.sub(r"<[^>]+>", "", escaped)
    assert not [line for line in hidden if line in text]
    assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text


@pytest.fixture(scope="module")
def practised(tmp_path_factory):
    """The engine's fixture task practised by two engineers: one right, one with the classic mistake."""
    root = tmp_path_factory.mktemp("practised")
    plan = root / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "name": "Scaling practice",
                "mode": "practice",
                "practice": {"reference_solution": True},
                "tasks": [{"task": FIXTURE_TASK.name, "minutes": 10}],
                "skills": {"data": 1},
                "bands": {"ready": 75, "starting": 0},
            },
            sort_keys=False,
        )
    )
    course = root / "course"
    assert (
        run_tool(
            "mlassess", "build", "--course", str(course), "--assignments", str(FIXTURE_TASKS), "--plan", str(plan)
        ).returncode
        == 0
    )
    release = course / "release" / FIXTURE_TASK.name
    for who, notebook in (
        ("right", FIXTURE_TASK / f"{FIXTURE_TASK.name}.ipynb"),
        ("mistaken", FIXTURE_TASK / "fixtures" / "mistake-scaler-fitted-on-all-data.ipynb"),
    ):
        folder = course / "submitted" / who / FIXTURE_TASK.name
        shutil.copytree(release, folder)
        shutil.copyfile(notebook, folder / f"{FIXTURE_TASK.name}.ipynb")
    result = run_tool(
        "mlassess", "grade", "--course", str(course), "--assignments", str(FIXTURE_TASKS), "--workers", "1"
    )
    assert result.returncode == 0, result.stderr
    return course


def test_practice_feedback_explains_each_lost_item_with_its_hints(practised):
    """Does the engineer who fitted the scaler on all data read why that item matters, with its hints,
    while the item they passed is not explained?"""
    task = discover(FIXTURE_TASKS)[0]
    lost = next(i for i in task.items if i.grade_id == "test_uses_train_statistics")
    profile = (practised / "feedback" / "mistaken" / "profile.html").read_text()
    why = profile.split('<div class="why">')
    assert any("test_uses_train_statistics" in part and str(escape(lost.explain)) in part for part in why)
    assert all(str(escape(hint)) in profile for hint in lost.hints)
    assert not any("<h3>test_load_values" in part for part in why)
    assert (practised / "feedback" / "mistaken" / FIXTURE_TASK.name / "reference-solution.html").is_file()


@pytest.mark.parametrize(
    "page",
    ["report.html", "feedback/mistaken/profile.html", f"feedback/mistaken/{FIXTURE_TASK.name}/reference-solution.html"],
)
def test_practice_pages_render_in_a_real_browser(practised, tmp_path, page):
    """Do the role report, a practice profile and the reference solution render in headless Chromium?"""
    assert CHROMIUM, "Debian's chromium is needed (apt-get install chromium; .ci/run installs it)"
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (practised / page).as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0 and "Uncaught" not in dom.stderr, dom.stderr
    assert "<table" in dom.stdout or "standardize" in dom.stdout
