"""The nbgrader configuration the kit grades with, shared by `nbgrader_config.py`
and by `mlassess`, so both paths score a submission identically."""
from __future__ import annotations

import os
from pathlib import Path

from traitlets.config import Config

# Authoring files that stay with the source and never reach a release or a
# submission's graded copy: fixtures hold full solutions.
AUTHOR_ONLY = ["fixtures", "task.yaml", "hidden"]
# Feedback leaves hidden tests out unless the grader sets this to 1.
SHOW_HIDDEN_TESTS_ENV = "MLASSESS_FEEDBACK_SHOWS_HIDDEN_TESTS"


def kit_config(course: Path, assignments: Path) -> Config:
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import CheckCellMetadata, ClearHiddenTests, ClearOutput, Execute

    from autograde.feedback_exporter import FeedbackExporter
    from autograde.preprocessors import (ExecuteInTwoKernels, RebuildFromRelease, SanitizeCandidateContent,
                                         StderrIsNotFailure)
    from autograde.sandbox import GPU_ENV, UNSAFE_ENV

    c = Config()
    c.CourseDirectory.root = str(course)
    # nbgrader joins root with source_directory: an absolute path wins.
    c.CourseDirectory.source_directory = str(assignments)
    c.CourseDirectory.ignore = CourseDirectory.class_traits()["ignore"].default() + AUTHOR_ONLY

    # The graded notebook is rebuilt from the release: nbgrader's own overwrite and
    # de-duplication steps are subsumed by it.
    c.Autograde.sanitize_preprocessors = [ClearOutput, RebuildFromRelease, CheckCellMetadata]
    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    steps[steps.index(Execute):steps.index(Execute) + 1] = [ExecuteInTwoKernels, StderrIsNotFailure]
    # The graded notebook (what feedback and formgrader show) keeps no active content of the candidate's.
    c.Autograde.autograde_preprocessors = steps + [SanitizeCandidateContent]
    c.GenerateFeedback.exporter_class = FeedbackExporter
    if os.environ.get(SHOW_HIDDEN_TESTS_ENV) != "1":
        feedback = GenerateFeedback.class_traits()["preprocessors"].default()
        c.GenerateFeedback.preprocessors = feedback + [ClearHiddenTests]
    c.ExecuteInTwoKernels.allow_unsandboxed = os.environ.get(UNSAFE_ENV) == "1"
    c.ExecuteInTwoKernels.gpu = os.environ.get(GPU_ENV) == "1"
    return c
