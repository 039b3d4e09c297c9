"""Plain nbgrader, run from the repository root with the kit's nbgrader_config.py."""

import shutil

from nbgrader.api import Gradebook

from helpers import FIXTURE_TASK, FIXTURE_TASKS, run_tool

TASK = FIXTURE_TASK.name


def test_plain_nbgrader_gives_reference_full_marks_and_blank_zero(tmp_path):
    """Do `nbgrader generate_assignment` and `nbgrader autograde` work from the repo root with no flags?"""
    course = tmp_path / "course"
    env = {"MLASSESS_COURSE": str(course), "MLASSESS_ASSIGNMENTS": str(FIXTURE_TASKS)}

    released = run_tool("nbgrader", "generate_assignment", TASK, env=env)
    assert released.returncode == 0, released.stderr
    release = course / "release" / TASK
    assert (release / f"{TASK}.ipynb").is_file() and (release / "data" / "values.csv").is_file()
    assert not (release / "fixtures").exists() and not (release / "task.yaml").exists()

    for candidate, notebook in [("ref", FIXTURE_TASK / f"{TASK}.ipynb"), ("empty", release / f"{TASK}.ipynb")]:
        folder = course / "submitted" / candidate / TASK
        shutil.copytree(release, folder)
        shutil.copyfile(notebook, folder / f"{TASK}.ipynb")
    graded = run_tool("nbgrader", "autograde", TASK, env=env)
    assert graded.returncode == 0, graded.stderr

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        auto = {
            c: sum(g.auto_score or 0 for nb in gb.find_submission(TASK, c).notebooks for g in nb.grades)
            for c in ("ref", "empty")
        }
    assert auto == {"ref": 4.0, "empty": 0.0}
