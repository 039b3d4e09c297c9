"""A task's `limits:`: the defaults, what a task may override, what is refused, and how a bad entry
reaches the author as a task problem rather than a grading run with limits nobody meant."""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from autograde.assessment.task import Task
from autograde.trust_boundary.limits import Limits, LimitsError

FIXTURE_TASK = Path(__file__).resolve().parents[1] / "fixture_tasks" / "standardize-features"
DEFAULTS = {
    "cell_timeout_s": 120,
    "notebook_timeout_s": 600,
    "memory_mb": 4096,
    "processes": 256,
    "file_size_mb": 512,
    "disk_mb": 1024,
    "output_kb": 1024,
}


def test_no_limits_means_the_defaults():
    """Does a task without `limits:` (None, or an empty mapping) get the documented defaults?"""
    assert {f.name: getattr(Limits(), f.name) for f in fields(Limits)} == DEFAULTS
    assert Limits.from_task(None) == Limits() == Limits.from_task({})


def test_an_override_changes_only_what_it_names():
    """Does a task that sets some limits get those values and the defaults for the rest?"""
    limits = Limits.from_task({"memory_mb": 2048, "cell_timeout_s": 5})
    assert limits.memory_mb == 2048 and limits.cell_timeout_s == 5
    assert limits == Limits(**{**DEFAULTS, "memory_mb": 2048, "cell_timeout_s": 5})


def test_an_unknown_limit_is_refused_by_name():
    """Is a misspelt or unknown limit refused, naming it and the known ones (not silently ignored)?"""
    with pytest.raises(LimitsError) as refused:
        Limits.from_task({"memory_mb": 100, "memroy_mb": 100, "gpu": 1})
    message = str(refused.value)
    assert "gpu, memroy_mb" in message and "known:" in message and "cell_timeout_s" in message


@pytest.mark.parametrize("value", ["60", 1.5, 60.0, None, [60], {"s": 60}], ids=repr)
def test_a_limit_that_is_not_a_whole_number_is_refused(value):
    """Is a limit given as a string, a float (even 60.0), null or a container refused?"""
    with pytest.raises(LimitsError, match="cell_timeout_s: expected a whole number above 0"):
        Limits.from_task({"cell_timeout_s": value})


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_limit_is_refused(value):
    """Is `true`/`false` (which Python counts as 1/0) refused as a limit?"""
    with pytest.raises(LimitsError, match="processes"):
        Limits.from_task({"processes": value})


@pytest.mark.parametrize("value", [0, -1, -4096])
def test_a_limit_of_zero_or_less_is_refused(value):
    """Is a limit of zero or below (no time, no memory) refused?"""
    with pytest.raises(LimitsError, match="memory_mb"):
        Limits.from_task({"memory_mb": value})
    assert Limits.from_task({"memory_mb": 1}).memory_mb == 1  # the smallest accepted


def test_every_bad_limit_is_named_at_once():
    """Does one refusal name every bad limit, so the author fixes them in one go?"""
    with pytest.raises(LimitsError, match="disk_mb, memory_mb, processes"):
        Limits.from_task({"processes": 0, "memory_mb": "1G", "disk_mb": True, "cell_timeout_s": 3})


@pytest.mark.parametrize("value", [[{"memory_mb": 1}], "memory_mb: 1", 512, True])
def test_limits_that_are_not_a_mapping_are_refused(value):
    """Is `limits:` given as a list, a string or a number refused?"""
    with pytest.raises(LimitsError, match="expected a mapping"):
        Limits.from_task(value)


def test_a_task_folder_without_task_yaml_gets_the_defaults(tmp_path):
    """Does a folder with no task.yaml (or one without `limits:`, or one that is not a mapping) grade with the
    defaults?"""
    assert Limits.of_task_folder(tmp_path) == Limits()
    (tmp_path / "task.yaml").write_text("title: x\n")
    assert Limits.of_task_folder(tmp_path) == Limits()
    (tmp_path / "task.yaml").write_text("- just\n- a list\n")
    assert Limits.of_task_folder(tmp_path) == Limits()


def test_a_task_folder_limits_are_read_from_task_yaml(tmp_path):
    """Does the grading step read the limits task.yaml sets, and refuse a bad one rather than use defaults?"""
    (tmp_path / "task.yaml").write_text("limits:\n  cell_timeout_s: 7\n  disk_mb: 64\n")
    assert Limits.of_task_folder(tmp_path) == Limits(cell_timeout_s=7, disk_mb=64)
    (tmp_path / "task.yaml").write_text("limits:\n  cell_timeout_s: 7s\n")
    with pytest.raises(LimitsError):
        Limits.of_task_folder(tmp_path)


@pytest.fixture
def task_folder(tmp_path) -> Path:
    folder = tmp_path / FIXTURE_TASK.name
    shutil.copytree(FIXTURE_TASK, folder)
    return folder


def _set_limits(folder: Path, limits) -> None:
    meta = yaml.safe_load((folder / "task.yaml").read_text())
    meta["limits"] = limits
    (folder / "task.yaml").write_text(yaml.safe_dump(meta))


def test_a_task_is_loaded_with_its_limits(task_folder):
    """Does loading the fixture task give its own limits, and no problems?"""
    task = Task.load(task_folder)
    assert task.problems == []
    assert task.limits == Limits(
        cell_timeout_s=10, notebook_timeout_s=60, memory_mb=1024, processes=64, file_size_mb=64, disk_mb=256
    )
    assert task.limits == Limits.of_task_folder(task_folder)  # one parser for the task and for grading


@pytest.mark.parametrize(
    "limits", [{"memory_mb": 0}, {"memroy_mb": 10}, {"cell_timeout_s": "10"}, ["memory_mb"]], ids=repr
)
def test_a_bad_limits_entry_is_a_task_problem(task_folder, limits):
    """Does a task with a bad `limits:` load with a problem naming it (so validate and build stop), with the
    defaults in place of a half-applied mapping?"""
    _set_limits(task_folder, limits)
    task = Task.load(task_folder)
    with pytest.raises(LimitsError) as refused:
        Limits.from_task(limits)
    assert task.problems == [f"task.yaml {refused.value}"]
    assert task.limits == Limits()
