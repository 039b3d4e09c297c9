"""Where everything of a course lives: the one owner of the kit's paths.

A course folder (default `course/`, moved with MLASSESS_COURSE or `--course`) holds
nbgrader's folders and the kit's own records:

    release/<task>/                     the shared release every candidate may be given
    variants/<candidate>/<task>/        a candidate's own release (own data), with a cohort secret
    hidden/<candidate>/<task>/          grader-only files: holdout labels, true drift points
    submitted/<candidate>/<task>/       what candidates handed in
    autograded/<candidate>/<task>/      the graded notebooks nbgrader keeps
    feedback/<candidate>/...            feedback pages and each candidate's profile
    gradebook.db                        nbgrader's gradebook (formgrader reads it)
    plan.yaml                           the plan the course was built for, if any
    grades.csv items.csv report.html role.csv
    .mlassess/results/<candidate>/<task>.json   one record per graded submission: its scores, reasons,
                                        status and fingerprint (what `mlassess grade` reuses or regrades)
    .mlassess/work/ .mlassess/staged/ .mlassess/gradebook-template.db   scratch of a grading run

Task sources (default `assignments/`, moved with MLASSESS_ASSIGNMENTS or `--assignments`)
keep files that never reach a release: `AUTHOR_ONLY`.

Nothing here imports the rest of the kit: the trust boundary reads paths from here too.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

TASK_FILE = "task.yaml"
FIXTURES = "fixtures"
# Authoring files that stay with the source and never reach a release or a
# submission's graded copy: fixtures hold full solutions.
AUTHOR_ONLY = [FIXTURES, TASK_FILE, "hidden"]

SAMPLE_CANDIDATE = "_sample"  # whose data the shared release carries

# nbgrader's own folders, named once: the kit's nbgrader configuration sets them from here.
RELEASE, SUBMITTED, AUTOGRADED, FEEDBACK = "release", "submitted", "autograded", "feedback"
VARIANTS, HIDDEN = "variants", "hidden"
KIT_RECORDS = ".mlassess"
# Where submissions are staged before nbgrader copies them: relative to the course, as nbgrader's folders are.
STAGED = f"{KIT_RECORDS}/staged"


def course_root() -> Path:
    """The course folder: MLASSESS_COURSE, or `course/` beside the kit."""
    return Path(os.environ.get("MLASSESS_COURSE", REPO_ROOT / "course")).resolve()


def demo_course_root() -> Path:
    """The demo's own course folder, `course-demo/` beside the kit: a grader's cohort never mixes with
    the sample candidates."""
    return REPO_ROOT / "course-demo"


def assignments_root() -> Path:
    """The task sources: MLASSESS_ASSIGNMENTS, or the kit's `assignments/`."""
    return Path(os.environ.get("MLASSESS_ASSIGNMENTS", REPO_ROOT / "assignments")).resolve()


class CourseLayout:
    """Every path of one course folder."""

    def __init__(self, root: Path, gradebook: Path | None = None):
        """`gradebook`: where the gradebook lives when not at `root/gradebook.db`."""
        self.root = Path(root).resolve()
        self.gradebook = Path(gradebook).resolve() if gradebook else self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    def release_dir(self, task: str) -> Path:
        return self.root / RELEASE / task

    def variant_dir(self, candidate: str, task: str) -> Path:
        """A candidate's own release, when the build was given a cohort secret."""
        return self.root / VARIANTS / candidate / task

    def hidden_dir(self, candidate: str, task: str) -> Path:
        """Grader-only files (holdout labels, true drift points) for one candidate."""
        return self.root / HIDDEN / candidate / task

    def submitted_dir(self, candidate: str, task: str) -> Path:
        return self.root / SUBMITTED / candidate / task

    def autograded_dir(self, candidate: str, task: str) -> Path:
        return self.root / AUTOGRADED / candidate / task

    def feedback_dir(self, candidate: str, task: str | None = None) -> Path:
        folder = self.root / FEEDBACK / candidate
        return folder / task if task else folder

    @property
    def feedback_root(self) -> Path:
        return self.root / FEEDBACK

    @property
    def submitted_root(self) -> Path:
        return self.root / SUBMITTED

    @property
    def plan_file(self) -> Path:
        """The plan the course was built for (`mlassess build --plan` keeps a copy)."""
        return self.root / "plan.yaml"

    @property
    def grades_csv(self) -> Path:
        return self.root / "grades.csv"

    @property
    def items_csv(self) -> Path:
        return self.root / "items.csv"

    @property
    def report_html(self) -> Path:
        return self.root / "report.html"

    @property
    def role_csv(self) -> Path:
        return self.root / "role.csv"

    def result_record(self, candidate: str, task: str) -> Path:
        """The kit's record of one graded submission: its scores, reasons and fingerprint."""
        return self.root / KIT_RECORDS / "results" / candidate / f"{task}.json"

    @property
    def work_dir(self) -> Path:
        """Where workers grade in private scratch courses."""
        return self.root / KIT_RECORDS / "work"

    @property
    def gradebook_template(self) -> Path:
        """The gradebook as built, copied for the workers' private courses to start from."""
        return self.root / KIT_RECORDS / "gradebook-template.db"

    def submissions(self) -> list[tuple[str, str]]:
        """(candidate, task) for every folder under submitted/, in a stable order."""
        return sorted((p.parent.name, p.name) for p in self.submitted_root.glob("*/*") if p.is_dir())

    def hidden_for(self, candidate: str, task: str) -> Path:
        """The grader-only files that go with the release a candidate was given."""
        own = self.hidden_dir(candidate, task)
        return own if own.is_dir() else self.hidden_dir(SAMPLE_CANDIDATE, task)

    def release_for(self, candidate: str, task: str) -> Path:
        """The release a candidate was given: their variant, or the shared release."""
        own = self.variant_dir(candidate, task)
        return own if own.is_dir() else self.release_dir(task)
