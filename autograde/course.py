"""An nbgrader course directory and the nbgrader API over it, configured the
way `nbgrader_config.py` configures the command line."""
from __future__ import annotations

import contextlib
import os
import sys
from functools import cached_property
from pathlib import Path

from autograde.nbgrader_settings import kit_config
from autograde.task import Task, select


class Course:
    def __init__(self, root: Path, assignments: Path, gradebook: Path | None = None):
        """`gradebook`: where the gradebook lives when not at `root/gradebook.db`."""
        self.root = Path(root).resolve()
        self.assignments = Path(assignments).resolve()
        self.gradebook = Path(gradebook).resolve() if gradebook else self.root / "gradebook.db"
        self.root.mkdir(parents=True, exist_ok=True)
        _put_own_tools_on_path()

    @cached_property
    def config(self):
        # nbgrader (a second to import: its server extensions come with it) is imported
        # only by what runs its verbs, so `mlassess grade` can start its workers first.
        config = kit_config(self.root, self.assignments)
        config.CourseDirectory.db_url = self.db_url
        return config

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    def tasks(self, names: list[str] | None = None) -> list[Task]:
        return select(self.assignments, names)

    def release_dir(self, task: str) -> Path:
        return self.root / "release" / task

    def variant_dir(self, candidate: str, task: str) -> Path:
        """A candidate's own release, when the build was given a cohort secret."""
        return self.root / "variants" / candidate / task

    def hidden_dir(self, candidate: str, task: str) -> Path:
        """Grader-only files (holdout labels, true drift points) for one candidate."""
        return self.root / "hidden" / candidate / task

    def submitted_dir(self, candidate: str, task: str) -> Path:
        return self.root / "submitted" / candidate / task

    def autograded_dir(self, candidate: str, task: str) -> Path:
        return self.root / "autograded" / candidate / task

    def submissions(self) -> list[tuple[str, str]]:
        """(candidate, task) for every folder under submitted/, in a stable order."""
        return sorted((p.parent.name, p.name) for p in (self.root / "submitted").glob("*/*") if p.is_dir())

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
    stages the submission before nbgrader copies it (autograde.staging)."""
    from nbgrader.utils import capture_log, temp_attrs

    from autograde.staging import StagedAutograde

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


SAMPLE_CANDIDATE = "_sample"  # whose data the shared release carries


def hidden_for(course_root: Path, candidate: str, task: str) -> Path:
    """The grader-only files that go with the release a candidate was given."""
    own = Path(course_root) / "hidden" / candidate / task
    return own if own.is_dir() else Path(course_root) / "hidden" / SAMPLE_CANDIDATE / task


def release_for(course_root: Path, candidate: str, task: str) -> Path:
    """The release a candidate was given: their variant, or the shared release."""
    own = Path(course_root) / "variants" / candidate / task
    return own if own.is_dir() else Path(course_root) / "release" / task
