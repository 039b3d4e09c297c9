"""A course as nbgrader works on it: the course layout, the task sources, and nbgrader's
API configured the way `nbgrader_config.py` configures its command line."""

from __future__ import annotations

import contextlib
import os
import sys
from functools import cached_property
from pathlib import Path

from autograde.assessment.task import Task, select
from autograde.engine.nbgrader_config import kit_config
from autograde.layout import CourseLayout
from autograde.options import GradingOptions


class Course(CourseLayout):
    def __init__(
        self, root: Path, assignments: Path, gradebook: Path | None = None, options: GradingOptions | None = None
    ):
        """`gradebook`: where the gradebook lives when not at `root/gradebook.db`;
        `options`: how candidate code is run and what feedback shows (defaults: sandboxed, CPU)."""
        super().__init__(root, gradebook)
        self.assignments = Path(assignments).resolve()
        self.options = options or GradingOptions()
        self.root.mkdir(parents=True, exist_ok=True)
        _put_own_tools_on_path()

    @cached_property
    def config(self):
        # nbgrader (a second to import: its server extensions come with it) is imported
        # only by what runs its verbs, so `mlassess grade` can start its workers first.
        config = kit_config(self.root, self.assignments, self.options)
        config.CourseDirectory.db_url = self.db_url
        return config

    def tasks(self, names: list[str] | None = None) -> list[Task]:
        return select(self.assignments, names)

    def run(self, verb: str, *args) -> dict:
        """Run one nbgrader API verb (generate_assignment, autograde...); nbgrader
        changes directory while it works, so the caller's directory is restored."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        api = NbGraderAPI(coursedir=CourseDirectory(config=self.config), config=self.config)
        with contextlib.chdir(os.getcwd()):
            if verb == "autograde":
                return _staged_autograde(api, *args)
            return getattr(api, verb)(*args)


def _staged_autograde(api, assignment: str, student: str) -> dict:
    """What NbGraderAPI.autograde does (force, create the student), with the kit's converter, which
    stages the submission before nbgrader copies it (trust_boundary.staging)."""
    from nbgrader.utils import capture_log, temp_attrs

    from autograde.trust_boundary.staging import StagedAutograde

    with temp_attrs(api.coursedir, assignment_id=assignment, student_id=student):
        converter = StagedAutograde(coursedir=api.coursedir, parent=api)
        converter.force, converter.create_student = True, True
        return capture_log(converter)


def _put_own_tools_on_path() -> None:
    """nbgrader shells out to `alembic` for its gradebook: find the one installed
    beside this interpreter even when the virtual environment is not activated."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")
