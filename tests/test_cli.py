"""The `mlassess` command as graders and scripts meet it."""

import pytest

from helpers import FIXTURE_TASKS, run_tool


@pytest.mark.parametrize("command", ["build", "validate", "grade", "demo"])
def test_every_command_explains_itself(command):
    """Does each command of the contract answer --help with its usage?"""
    result = run_tool("mlassess", command, "--help")
    assert result.returncode == 0
    assert f"mlassess {command}" in result.stdout


def test_an_unknown_task_is_named_in_a_clear_error():
    """Does asking for a task that does not exist say which, and which exist?"""
    result = run_tool("mlassess", "validate", "no-such-task", "--assignments", str(FIXTURE_TASKS))
    assert result.returncode == 2
    assert "no-such-task" in result.stderr and "standardize-features" in result.stderr


def test_grading_an_empty_course_says_where_submissions_go(tmp_path):
    """Does `grade` on a course with no submissions say what layout it expects?"""
    result = run_tool("mlassess", "grade", "--course", str(tmp_path / "c"), "--assignments", str(FIXTURE_TASKS))
    assert result.returncode == 2
    assert "submitted/<candidate>/<task>/" in result.stderr


def test_a_build_releases_without_author_files(tmp_path):
    """Does `build` put the notebook and data in the release and keep fixtures and task.yaml out?"""
    course = tmp_path / "course"
    result = run_tool("mlassess", "build", "--course", str(course), "--assignments", str(FIXTURE_TASKS))
    assert result.returncode == 0, result.stderr
    release = course / "release" / "standardize-features"
    assert sorted(p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()) == [
        "START-HERE.md",
        "data/values.csv",
        "requirements.txt",
        "standardize-features.ipynb",
    ]
