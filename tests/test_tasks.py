"""Every product task under assignments/ proves its own grading through the real path."""

import json

import pytest

from autograde.assessment.task import discover
from helpers import REPO, run_tool

TASKS = [t.name for t in discover(REPO / "assignments")]


@pytest.mark.parametrize("task", TASKS)
def test_task_meets_its_bar(task):
    """Does the task's reference score full marks, its blank release zero, each fixture exactly as declared,
    within its runtime budget and with nothing leaking into the release?"""
    # one worker: the runtime budget is checked without the task competing with itself
    result = run_tool("mlassess", "validate", task, "--json", "--workers", "1")
    report = json.loads(result.stdout)["tasks"][0]
    assert result.returncode == 0, "\n".join(report["problems"]) or result.stderr
    assert report["reference_score"] == report["max_score"] > 0
    assert report["blank_score"] == 0 and report["leaks"] == []
    assert report["fixtures"] and all(f["ok"] for f in report["fixtures"])
