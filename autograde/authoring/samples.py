"""The bundled sample cohort: every task's reference solution, blank release and
fixtures, submitted as candidates named after them."""

from __future__ import annotations

import shutil

from autograde.assessment.results import Graded
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


def sample_problems(results: list[Graded], tasks: list[Task]) -> list[str]:
    """How the sample cohort's grades differ from what each sample declares: the reference earns every
    automatic point, the blank release none, each fixture fails exactly the items task.yaml names."""
    expected = {}
    for task in tasks:
        expected[("reference", task.name)] = frozenset()
        expected[("blank", task.name)] = frozenset(i.grade_id for i in task.items if i.automatic)
        expected.update({(f.name, task.name): f.fails for f in task.fixtures if f.path.is_file()})
    by_key = {(g.candidate, g.task): g for g in results}
    problems = []
    for (candidate, task), fails in sorted(expected.items()):
        graded = by_key.get((candidate, task))
        if graded is None:
            problems.append(f"{candidate}/{task}: not graded")
        elif graded.status != "graded":
            problems.append(f"{candidate}/{task}: {graded.status}: {graded.reason}")
        elif graded.failed_items() != fails:
            problems.append(
                f"{candidate}/{task}: should fail [{', '.join(sorted(fails))}] "
                f"but fails [{', '.join(sorted(graded.failed_items()))}]"
            )
    return problems
