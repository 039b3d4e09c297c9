"""The nbgrader configuration the kit grades with, shared by `nbgrader_config.py`
and by `mlassess`, so both paths score a submission identically."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

from autograde import layout
from autograde.options import GradingOptions


def kit_config(course: Path, assignments: Path, options: GradingOptions) -> Config:
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import CheckCellMetadata, ClearHiddenTests, ClearOutput, Execute

    from autograde.engine.feedback_exporter import FeedbackExporter
    from autograde.trust_boundary.preprocessors import (
        ExecuteInTwoKernels,
        HideRubrics,
        RebuildFromRelease,
        SanitizeCandidateContent,
        ShowRubricToGraders,
        StderrIsNotFailure,
    )

    c = Config()
    c.CourseDirectory.root = str(course)
    # nbgrader joins root with source_directory: an absolute path wins.
    c.CourseDirectory.source_directory = str(assignments)
    c.CourseDirectory.release_directory = layout.RELEASE
    c.CourseDirectory.submitted_directory = layout.SUBMITTED
    c.CourseDirectory.autograded_directory = layout.AUTOGRADED
    c.CourseDirectory.feedback_directory = layout.FEEDBACK
    c.CourseDirectory.ignore = CourseDirectory.class_traits()["ignore"].default() + layout.AUTHOR_ONLY

    # The graded notebook is rebuilt from the release: nbgrader's own overwrite and
    # de-duplication steps are subsumed by it.
    c.Autograde.sanitize_preprocessors = [ClearOutput, RebuildFromRelease, CheckCellMetadata]
    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    steps[steps.index(Execute) : steps.index(Execute) + 1] = [ExecuteInTwoKernels, StderrIsNotFailure]
    # The graded notebook (what feedback and formgrader show) keeps no active content of the candidate's;
    # formgrader then shows each written answer's rubric beside it.
    c.Autograde.autograde_preprocessors = steps + [SanitizeCandidateContent, ShowRubricToGraders]
    c.GenerateFeedback.exporter_class = FeedbackExporter
    feedback = GenerateFeedback.class_traits()["preprocessors"].default() + [HideRubrics]
    c.GenerateFeedback.preprocessors = feedback + ([] if options.show_hidden_tests else [ClearHiddenTests])
    c.ExecuteInTwoKernels.allow_unsandboxed = options.unsafe_no_sandbox
    c.ExecuteInTwoKernels.gpu = options.gpu
    c.ExecuteInTwoKernels.kernel_threads = options.kernel_threads
    return c
