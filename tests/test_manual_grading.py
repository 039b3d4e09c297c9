"""Manual grading that counts: written answers await a grade until a grader scores them in
formgrader, where the rubric sits beside the answer; `mlassess report` then brings the score
into every report, without grading again."""

import csv
import shutil
import socket
import subprocess
import time

import nbformat
import pytest
import yaml

from autograde import api
from helpers import CHROMIUM, FIXTURE_TASK, FIXTURE_TASKS, REPO, Browser, run_tool, wait_for_jupyter

TASK = FIXTURE_TASK.name
WRITTEN = "explain_fit_on_train"  # the fixture task's written answer, 1 point


def _items(course) -> dict[tuple[str, str], dict]:
    with open(course / "items.csv", newline="") as f:
        return {(r["candidate"], r["item"]): r for r in csv.DictReader(f)}


def _grades(course) -> dict[tuple[str, str], dict]:
    with open(course / "grades.csv", newline="") as f:
        return {(r["candidate"], r["task"]): r for r in csv.DictReader(f)}


def _submit(course, candidate: str, notebook) -> None:
    folder = course / "submitted" / candidate / TASK
    shutil.copytree(course / "release" / TASK, folder)
    shutil.copyfile(notebook, folder / f"{TASK}.ipynb")


@pytest.fixture
def graded(tmp_path):
    course = tmp_path / "course"
    assert run_tool("mlassess", "build", "--course", str(course), "--assignments", str(FIXTURE_TASKS)).returncode == 0
    for candidate, notebook in (("reference", FIXTURE_TASK / f"{TASK}.ipynb"),
                                ("blank", course / "release" / TASK / f"{TASK}.ipynb")):  # fmt: skip
        _submit(course, candidate, notebook)
    result = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(FIXTURE_TASKS))
    assert result.returncode == 0, result.stderr
    return course


def test_an_unscored_written_answer_awaits_a_grade_and_counts_neither_way(graded):
    """Before any manual grading, is the written answer 'awaiting manual grade' (not passed, not
    failed) in items.csv and the profile, and do skill shares leave it out, saying so?"""
    items = _items(graded)
    assert items[("reference", WRITTEN)]["reason"] == "awaiting manual grade"
    assert items[("reference", "test_uses_train_statistics")]["reason"] == ""
    profile = (graded / "feedback" / "reference" / "profile.html").read_text()
    assert "awaiting manual grade" in profile and "1 written answer(s) await a manual grade" in profile
    assert 'class="lost">awaiting' not in profile
    assert ">100%<" in (graded / "report.html").read_text()  # the reference's data share: automatic items only


def test_a_plan_task_not_submitted_is_missing_and_zero(tmp_path):
    """With a plan of two tasks, does a candidate who handed in one get the other as `missing`, at zero,
    in grades.csv?"""
    assignments = tmp_path / "assignments"
    shutil.copytree(FIXTURE_TASKS, assignments)
    shutil.copytree(assignments / TASK, assignments / "second-task")
    (assignments / "second-task" / f"{TASK}.ipynb").rename(assignments / "second-task" / "second-task.ipynb")
    plan = tmp_path / "plan.yaml"
    spec = {"name": "Two tasks", "tasks": [{"task": TASK}, {"task": "second-task"}], "skills": {"data": 1},
            "bands": {"pass": 50, "fail": 0}}  # fmt: skip
    plan.write_text(yaml.safe_dump(spec, sort_keys=False))
    course = tmp_path / "course"
    api.build(course, assignments, plan=plan)
    _submit(course, "reference", assignments / TASK / f"{TASK}.ipynb")
    result = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(assignments))
    assert result.returncode == 0, result.stderr
    grades = _grades(course)
    assert grades[("reference", "second-task")]["status"] == "missing"
    assert grades[("reference", "second-task")]["score"] == "0"
    assert grades[("reference", TASK)]["status"] == "graded"
    assert "second-task" in (course / "feedback" / "reference" / "profile.html").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _submission_id(course, candidate: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(TASK, TASK, candidate).id


def _manual_score(course, candidate: str):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_grade(WRITTEN, TASK, TASK, candidate).manual_score


@pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium; .ci/run installs it")
def test_formgrader_shows_the_rubric_and_a_score_typed_there_reaches_every_report(graded, tmp_path):
    """In formgrader (started the way `mlassess formgrader` starts it), is the rubric beside the written
    answer, and does a score typed there reach grades.csv, items.csv and the profile after `mlassess
    report`, without the candidate's feedback ever showing the rubric?"""
    port = _free_port()
    launch = api.formgrader(graded, FIXTURE_TASKS, port=port, token="test-token")
    server = subprocess.Popen(launch.command, env=launch.env, cwd=launch.cwd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    browser = None
    try:
        wait_for_jupyter(server, port, "test-token")
        browser = Browser(tmp_path / "profile")
        browser.open(launch.url)  # what `mlassess formgrader` prints: it logs the grader in
        browser.open(f"http://127.0.0.1:{port}/formgrader/submissions/{_submission_id(graded, 'reference')}/")
        # formgrader's own script has bound the score box once it marks it as needing a manual grade
        browser.wait_for(f"window.$ && $('#{WRITTEN}').hasClass('needs_manual_grade')")
        text = browser.evaluate("document.body.innerText")
        assert "For the grader, not shown to the candidate" in text and "Rubric (1 point)" in text
        # the grader types 1 into the score box, as formgrader's own page handles it
        browser.evaluate(f"$('#{WRITTEN}').val('1').trigger('change') && true")
        deadline = time.monotonic() + 30
        while _manual_score(graded, "reference") is None:
            assert time.monotonic() < deadline, "the score typed in formgrader never reached the gradebook"
            time.sleep(0.3)
    finally:
        if browser:
            browser.close()
        server.terminate()
        server.wait(timeout=30)

    reported = run_tool("mlassess", "report", "--course", str(graded), "--assignments", str(FIXTURE_TASKS))
    assert reported.returncode == 0, reported.stderr
    assert _grades(graded)[("reference", TASK)]["score"] == "5"
    assert _items(graded)[("reference", WRITTEN)]["reason"] == ""
    assert _items(graded)[("blank", WRITTEN)]["reason"] == "awaiting manual grade"
    profile = (graded / "feedback" / "reference" / "profile.html").read_text()
    assert "await a manual grade" not in profile.split("<h2>")[-1]
    feedback = next((graded / "feedback" / "reference" / TASK).glob("*.html")).read_text()
    assert "For the grader" not in feedback  # (the reference's own answer is the model answer itself)
    graded_blank = nbformat.read(graded / "autograded" / "blank" / TASK / f"{TASK}.ipynb", as_version=4)
    assert any("Rubric (1 point)" in c.source for c in graded_blank.cells)  # formgrader shows it for anyone's answer
    blank = next((graded / "feedback" / "blank" / TASK).glob("*.html")).read_text()
    assert "For the grader" not in blank and "Rubric (1 point)" not in blank
    assert "your code raised NotImplementedError" in blank  # what failed, in the candidate's terms
    for internal in ("__mlassess_runner__", "trusted_side", str(REPO), "/autograde/"):
        assert internal not in blank, f"feedback shows grader internals: {internal}"
