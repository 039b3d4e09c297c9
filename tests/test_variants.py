"""Per-candidate data: each candidate's own release, and hidden files only the trusted side sees."""

import hashlib
import json
import shutil

import nbformat
import yaml

from helpers import FIXTURE_TASK, run_tool

TASK = FIXTURE_TASK.name

PROBE = """
import hashlib, json, os
print("PROBE", json.dumps({
    "files": sorted(os.listdir(".")),
    "train_sha256": hashlib.sha256(open("churn_train.csv", "rb").read()).hexdigest(),
    "hidden_visible": any(os.path.exists(p) for p in HIDDEN_PATHS),
}))
"""

HIDDEN_CHECK = """
import pandas as pd
labels = pd.read_csv("hidden/churn_holdout_labels.csv")
assert len(labels) > 50 and set(labels.columns) >= {"customer_id"}, "the trusted side reads the candidate's holdout"
"""


def test_each_candidate_gets_own_data_and_only_the_trusted_side_sees_the_holdout(tasks_copy, tmp_path):
    """Does a cohort build give each candidate their own data, with holdout labels readable by tests but
    not by candidates?"""
    task_dir = tasks_copy / TASK
    meta = yaml.safe_load((task_dir / "task.yaml").read_text())
    meta["datasets"] = ["churn"]
    (task_dir / "task.yaml").write_text(yaml.safe_dump(meta))
    source = nbformat.read(task_dir / f"{TASK}.ipynb", as_version=4)
    test = next(c for c in source.cells if c.metadata["nbgrader"]["grade_id"] == "test_uses_train_statistics")
    test.source = test.source.replace("### END HIDDEN TESTS", HIDDEN_CHECK.strip() + "\n### END HIDDEN TESTS")
    nbformat.write(source, task_dir / f"{TASK}.ipynb")

    course = tmp_path / "course"
    ids = tmp_path / "candidates.txt"
    ids.write_text("alice\nbob\n")
    built = run_tool(
        "mlassess",
        "build",
        "--course",
        str(course),
        "--assignments",
        str(tasks_copy),
        "--candidates",
        str(ids),
        env={"MLASSESS_COHORT_SECRET": "spring-cohort"},
    )
    assert built.returncode == 0, built.stderr

    variants = {c: course / "variants" / c / TASK for c in ("alice", "bob")}
    trains = {c: (v / "churn_train.csv").read_bytes() for c, v in variants.items()}
    assert trains["alice"] != trains["bob"], "two candidates got the same data"
    for folder in [course / "release" / TASK, *variants.values()]:
        assert not any("holdout" in p.name for p in folder.rglob("*")), f"holdout files in {folder}"
    assert (course / "hidden" / "alice" / TASK / "churn_holdout_labels.csv").is_file()

    hidden_paths = [str(course / "hidden"), str(course / "hidden" / "alice" / TASK / "churn_holdout_labels.csv")]
    correct = nbformat.read(FIXTURE_TASK / "fixtures" / "correct-alternative-sklearn.ipynb", as_version=4)
    correct.cells[1].source += f"\n\nHIDDEN_PATHS = {hidden_paths!r}\n{PROBE}"
    for candidate in ("alice", "bob"):
        folder = course / "submitted" / candidate / TASK
        shutil.copytree(variants[candidate], folder)
        (folder / "churn_train.csv").write_text("tampered,data\n1,2\n")  # the release's data is restored
        nbformat.write(correct, folder / f"{TASK}.ipynb")
    graded = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(tasks_copy))
    assert graded.returncode == 0, graded.stderr

    grades = (course / "grades.csv").read_text().splitlines()
    assert all(",4,5," in row for row in grades[1:]), grades  # hidden check passed for both
    for candidate in ("alice", "bob"):
        nb = nbformat.read(course / "autograded" / candidate / TASK / f"{TASK}.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        seen = json.loads(next(x for x in text.splitlines() if x.startswith("PROBE "))[6:])
        assert seen["train_sha256"] == hashlib.sha256(trains[candidate]).hexdigest(), "not the candidate's own data"
        assert not seen["hidden_visible"] and "hidden" not in seen["files"]
