"""`mlassess validate`: every task proves its own grading."""

import json

import nbformat
import yaml

from helpers import FIXTURE_TASK, FIXTURE_TASKS, run_tool

TASK = FIXTURE_TASK.name
CONTRACT_FIELDS = {"name", "reference_score", "max_score", "blank_score", "runtime_s", "leaks"}


def _validate(assignments):
    result = run_tool("mlassess", "validate", "--json", "--assignments", str(assignments))
    return result, json.loads(result.stdout)["tasks"][0]


def _edit_source(assignments, change):
    path = assignments / TASK / f"{TASK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    change({c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells})
    nbformat.write(nb, path)


def test_fixture_task_passes_its_bar_with_the_contract_fields():
    """Does validate --json print the contract's fields and exit 0 for a sound task?"""
    result, task = _validate(FIXTURE_TASKS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert task.keys() >= CONTRACT_FIELDS
    assert task["name"] == TASK
    assert task["reference_score"] == task["max_score"] == 4
    assert task["blank_score"] == 0 and task["leaks"] == []
    assert 0 < task["runtime_s"] < 60
    assert [f["ok"] for f in task["fixtures"]] == [True, True, True]


def test_a_hidden_test_the_reference_fails_breaks_the_bar(tasks_copy):
    """Does validate exit non-zero and say so when the reference solution misses an item?"""

    def wrong_expectation(cells):
        cells["test_uses_train_statistics"].source += "\nassert np.allclose(test_scaled, 0), 'impossible'"

    _edit_source(tasks_copy, wrong_expectation)
    result, task = _validate(tasks_copy)
    assert result.returncode == 1
    assert task["reference_score"] == 2
    assert any("reference solution" in p and "test_uses_train_statistics" in p for p in task["problems"])


def test_a_solution_left_in_the_release_is_a_leak(tasks_copy):
    """Does validate catch solution text that a mistyped marker lets into the release?"""

    def mistyped_marker(cells):
        cells["standardize"].source = cells["standardize"].source.replace("BEGIN SOLUTION", "BEGIN SOLUTON", 1)

    _edit_source(tasks_copy, mistyped_marker)
    result, task = _validate(tasks_copy)
    assert result.returncode == 1
    assert any("to_numpy(dtype=float)" in leak for leak in task["leaks"])
    assert task["blank_score"] > 0, "the leaked solution even scores in the blank release"


def test_a_fixture_scoring_other_than_expected_breaks_the_bar(tasks_copy):
    """Does validate fail a task whose mistake fixture does not lose exactly its items?"""
    meta_path = tasks_copy / TASK / "task.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    meta["fixtures"]["mistake-scaler-fitted-on-all-data.ipynb"]["fails"] = ["test_standardize_shapes"]
    meta_path.write_text(yaml.safe_dump(meta))
    result, task = _validate(tasks_copy)
    assert result.returncode == 1
    assert any("mistake-scaler-fitted-on-all-data" in p for p in task["problems"])


def test_a_task_without_skill_tags_names_what_is_missing(tasks_copy):
    """Does validate tell an author which item lacks its skill tag?"""
    meta_path = tasks_copy / TASK / "task.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    del meta["items"]["test_load_values"]
    meta_path.write_text(yaml.safe_dump(meta))
    result, task = _validate(tasks_copy)
    assert result.returncode == 1
    assert any("test_load_values" in p and "skill" in p for p in task["problems"])


def test_a_test_reading_labels_that_an_earlier_test_gave_to_candidate_code_breaks_the_bar(tasks_copy):
    """Does validate name a test that reads hidden labels after an earlier test sent data to candidate
    code with those labels read (a candidate could replay them), and accept it once the author declares
    that the later item only gives labels?"""
    hidden = tasks_copy / TASK / "hidden"
    hidden.mkdir()
    (hidden / "values_labels.csv").write_text("label\n1\n0\n")

    def labels_then_candidate_code(cells):
        for grade_id in ("test_standardize_shapes", "test_uses_train_statistics"):
            cells[grade_id].source = 'open("hidden/values_labels.csv").read()\n' + cells[grade_id].source

    _edit_source(tasks_copy, labels_then_candidate_code)
    result, task = _validate(tasks_copy)
    assert result.returncode == 1
    assert [p for p in task["problems"] if "reads hidden labels" in p] == [
        p
        for p in task["problems"]
        if "'test_uses_train_statistics' reads hidden labels after 'test_standardize_shapes'" in p
    ]
    assert any("reads hidden labels" in p for p in task["problems"])

    meta_path = tasks_copy / TASK / "task.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    meta["items"]["test_uses_train_statistics"]["gives_hidden_labels"] = True
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=False))
    result, task = _validate(tasks_copy)
    assert not any("reads hidden labels" in p for p in task["problems"]), task["problems"]
    assert result.returncode == 0, task["problems"]
