"""The bundled sample cohort: every task's reference solution, blank release and
fixtures, submitted as candidates named after them."""

from __future__ import annotations

import shutil

from autograde.assessment.task import Task
from autograde.layout import CourseLayout


def stage_sample_cohort(course: CourseLayout, tasks: list[Task], with_fixtures: bool = True) -> int:
    """Place the sample submissions under submitted/ (replacing earlier ones); returns how many.
    Without fixtures: only the strongest and the weakest, the reference and the blank release."""
    count = 0
    for task in tasks:
        release = course.release_dir(task.name)
        samples = [("reference", task.notebook), ("blank", release / task.notebook.name)]
        if with_fixtures:
            samples += [(f.name, f.path) for f in task.fixtures if f.path.is_file()]
        for candidate, notebook in samples:
            folder = course.submitted_dir(candidate, task.name)
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(release, folder)
            shutil.copyfile(notebook, folder / task.notebook.name)
            count += 1
    return count
