"""`mlassess new` and `mlassess validate` as a task author meets them: a scaffold that
says what it still lacks, then passes once the author has filled it in."""

import json
import re

import nbformat
import yaml

from autograde import api
from helpers import run_tool

NAME = "06-clip-values"


def _validate(assignments):
    result = run_tool("mlassess", "validate", NAME, "--json", "--workers", "1", "--assignments", str(assignments))
    return result, json.loads(result.stdout)["tasks"][0]


def _notebook_with_solution(source_path, target_path, solution: str):
    nb = nbformat.read(source_path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "clip_to_range":
            cell.source = solution
    nbformat.write(nb, target_path)


def _fill_in(folder):
    """What an author does at minimum: decide the tags, write hints, brief and rubric, add fixtures."""
    notebook = folder / f"{NAME}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace("TODO minutes", "45 minutes").replace(
            "TODO: task title", "Clip sensor values"
        )
        cell.source = re.sub(
            r"TODO[^\n]*", "Sensors report out-of-range values; clip them to the calibrated range.", cell.source
        )
    nbformat.write(nb, notebook)
    meta = yaml.safe_load((folder / "task.yaml").read_text())
    meta["title"] = "Clip sensor values"
    tiers = ["Which values may change, and which must not?", "Clip to the nearest end of the range."]
    for item in meta["items"].values():
        item.update(skill="data", hints=tiers, explain="Out-of-range readings break the features downstream.")
        if item["dimension"] == "TODO":
            item["dimension"] = "correctness"
    meta["fixtures"] = {
        "correct-alternative-minimum-maximum.ipynb": {"fails": []},
        "mistake-clips-only-the-low-end.ipynb": {"fails": ["test_clip_on_unseen_values"]},
    }
    (folder / "task.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    _notebook_with_solution(
        notebook,
        folder / "fixtures" / "correct-alternative-minimum-maximum.ipynb",
        "import numpy as np\n\ndef clip_to_range(values, low, high):\n"
        "    return np.minimum(np.maximum(np.array(values, dtype=float), low), high)\n",
    )
    _notebook_with_solution(
        notebook,
        folder / "fixtures" / "mistake-clips-only-the-low-end.ipynb",
        "import numpy as np\n\ndef clip_to_range(values, low, high):\n"
        "    return np.maximum(np.array(values, dtype=float), low)\n",
    )


def test_a_scaffolded_task_names_what_it_lacks_then_passes_once_filled(tmp_path):
    """Does validate first list exactly what a new task still needs, and pass once the author supplies it?"""
    folder = api.new_task(tmp_path, NAME)
    assert folder == tmp_path / NAME
    assert (folder / f"{NAME}.ipynb").is_file() and (folder / "fixtures").is_dir()

    result, report = _validate(tmp_path)
    assert result.returncode == 1
    problems = "\n".join(report["problems"])
    for missing in (
        "needs a skill tag",
        "needs a dimension tag",
        "task.yaml still holds",
        f"{NAME}.ipynb still holds",
        "no alternative correct solution",
        "no typical-mistake fixture",
    ):
        assert missing in problems, problems
    assert report["reference_score"] == report["max_score"] == 3  # the example itself grades
    assert report["blank_score"] == 0 and report["leaks"] == []

    _fill_in(folder)
    result, report = _validate(tmp_path)
    assert result.returncode == 0, report["problems"]
    assert [(f["name"], f["ok"]) for f in report["fixtures"]] == [
        ("correct-alternative-minimum-maximum", True),
        ("mistake-clips-only-the-low-end", True),
    ]


def test_validate_names_missing_hints_budgets_and_generic_item_names(tmp_path):
    """Does validate say which item lacks hints, that budgets are missing, and that 'test_1' names nothing?"""
    folder = api.new_task(tmp_path, NAME)
    meta = yaml.safe_load((folder / "task.yaml").read_text())
    del meta["runtime_budget_s"], meta["time_budget_minutes"]
    del meta["items"]["test_clip_on_unseen_values"]["hints"]
    (folder / "task.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    nb = nbformat.read(folder / f"{NAME}.ipynb", as_version=4)
    nb.cells[2].metadata["nbgrader"]["grade_id"] = "test_1"
    nbformat.write(nb, folder / f"{NAME}.ipynb")

    result, report = _validate(tmp_path)
    problems = "\n".join(report["problems"])
    assert result.returncode == 1
    assert "item 'test_clip_on_unseen_values' needs hints" in problems
    assert "runtime_budget_s" in problems and "time_budget_minutes" in problems
    assert "grade_id 'test_1' says nothing" in problems


def test_new_refuses_an_existing_folder_and_a_bad_name(tmp_path):
    """Does `mlassess new` refuse to overwrite a task, or to create one with an unusable name?"""
    assert run_tool("mlassess", "new", NAME, "--assignments", str(tmp_path)).returncode == 0
    again = run_tool("mlassess", "new", NAME, "--assignments", str(tmp_path))
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = run_tool("mlassess", "new", "My Task!", "--assignments", str(tmp_path))
    assert bad.returncode == 2 and "task name" in bad.stderr
