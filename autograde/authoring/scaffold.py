"""`mlassess new TASK`: a task folder laid out as docs/TASK_STANDARD.md asks,
with a small working example (a solution, a visible and a hidden test, a written
answer) and TODO wherever only the author can decide. `mlassess validate TASK`
then lists what is still missing until the task meets the standard."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde.layout import FIXTURES, TASK_FILE

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")


class ScaffoldError(ValueError):
    pass


BRIEF = """\
# TODO: task title

**Situation.** TODO: the team, the data and the goal, in three or four sentences a candidate
recognises from real work.

**You deliver** `clip_to_range` below (replace it with the task's functions: explicit
signatures, docstrings, seed and device as parameters where they matter).

**Time budget:** TODO minutes (45-90 for a competent engineer). **Graded:** correctness on inputs
you have not seen (hidden tests), and one written answer read by a person.

**Conventions pinned by grading:** TODO (for example: "standard deviation with ddof=0").
"""

SOLUTION = '''\
import numpy as np


def clip_to_range(values, low, high):
    """Return `values` as floats, with values below `low` set to `low` and above `high` to `high`."""
    ### BEGIN SOLUTION
    return np.clip(np.asarray(values, dtype=float), low, high)
    ### END SOLUTION
'''

VISIBLE_TEST = """\
out = clip_to_range([-5, 0.5, 5], 0, 1)
assert np.shape(out) == (3,), f"expected one value per input, got shape {np.shape(out)}"
assert np.asarray(out).dtype == np.float64, "expected floats"
"""

HIDDEN_TEST = """\
out = clip_to_range([-5, 0.5, 5], 0, 1)
assert np.allclose(out, [0, 0.5, 1]), "values outside the range must move to its nearest end"
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2024)
values = rng.normal(0, 3, 500)
out = np.asarray(clip_to_range(values, -1.5, 2.0))
inside = (values >= -1.5) & (values <= 2.0)
assert out.min() >= -1.5 and out.max() <= 2.0, "some values are still outside the range"
assert np.allclose(out[inside], values[inside]), "values inside the range must not change"
### END HIDDEN TESTS
"""

QUESTION = (
    "**Written answer.** TODO: one production-judgement question (what would you monitor, when would you roll back...)."
)

ANSWER = """\
### BEGIN SOLUTION
Model answer: TODO.

Rubric (1 point): TODO: what a strong answer names (constraints, failure modes, concrete mechanisms).
### END SOLUTION
"""

TASK_YAML = """\
# {name}: TODO one line on what this task assesses.
title: "TODO: task title"
time_budget_minutes: 60       # what a competent engineer needs (45-90)
runtime_budget_s: 60          # the reference must grade within this (2-core CPU, sandbox; at most 60)
datasets: []                  # generated per candidate at build: churn, churn_drift, digits
items:                        # every graded cell: skill, dimension, hints (2-3 tiers), explain
  test_clip_keeps_shape_and_type:
    skill: TODO               # data, modeling, evaluation, monitoring or mlops
    dimension: TODO           # correctness, reproducibility, robustness or judgement
    hints: ["TODO: a nudge", "TODO: the pitfall", "TODO: the approach in words"]
    explain: "TODO: what this item checks and why it matters in production"
  test_clip_on_unseen_values:
    skill: TODO
    dimension: TODO
    hints: ["TODO: a nudge", "TODO: the pitfall", "TODO: the approach in words"]
    explain: "TODO: what this item checks and why it matters in production"
  explain_choice:
    skill: TODO
    dimension: judgement
    hints: ["TODO: where to start thinking", "TODO: what a strong answer covers"]
    explain: "TODO: what the question probes and why interviewers ask it"
fixtures: {{}}                  # fixtures/<file>: {{fails: [items it must fail]}}, see fixtures/README.md
"""

FIXTURES_README = """\
# Fixtures: submissions that prove this task grades correctly

Each notebook here is graded by `mlassess validate` (and the kit's tests) through the real
grading path, and must score what task.yaml says:

- `correct-alternative-<how>.ipynb`: a correct solution written differently from the
  reference (other library calls, other structure): `{fails: []}`.
- `mistake-<what>.ipynb`: one typical mistake per file, named for it (scaler fitted on all
  data, unseeded split...): `{fails: [the items that mistake concerns]}`, and no others.

Start each one from a copy of the source notebook and change only the solution cells.
"""


def _cell(cell, grade_id: str, *, grade: bool = False, solution: bool = False, points: float = 0):
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3, "solution": solution}
    if grade:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    cell["id"] = grade_id.replace("_", "-")
    return cell


def new_task(assignments: Path, name: str) -> Path:
    """Create assignments/<name>/ and return it; refuse a bad name or an existing folder."""
    if not NAME.match(name):
        raise ScaffoldError(
            f"task name {name!r}: use lower-case letters, digits and dashes, "
            "numbered like the others (e.g. 06-feature-store)"
        )
    folder = Path(assignments) / name
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; pick another name")
    nb = new_notebook(
        metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    nb.cells = [
        _cell(new_markdown_cell(BRIEF), "brief"),
        _cell(new_code_cell(SOLUTION), "clip_to_range", solution=True),
        _cell(new_code_cell(VISIBLE_TEST), "test_clip_keeps_shape_and_type", grade=True, points=1),
        _cell(new_code_cell(HIDDEN_TEST), "test_clip_on_unseen_values", grade=True, points=2),
        _cell(new_markdown_cell(QUESTION), "question"),
        _cell(new_markdown_cell(ANSWER), "explain_choice", grade=True, solution=True, points=1),
    ]
    (folder / FIXTURES).mkdir(parents=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / TASK_FILE).write_text(TASK_YAML.format(name=name))
    (folder / FIXTURES / "README.md").write_text(FIXTURES_README)
    return folder
