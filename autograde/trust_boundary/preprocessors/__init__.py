"""Grading steps the kit adds to nbgrader's autograde and feedback pipelines, one per module."""

from autograde.trust_boundary.preprocessors.execute_in_two_kernels import ExecuteInTwoKernels
from autograde.trust_boundary.preprocessors.hide_rubrics import HideRubrics
from autograde.trust_boundary.preprocessors.rebuild_from_release import RebuildFromRelease
from autograde.trust_boundary.preprocessors.sanitize_candidate_content import SanitizeCandidateContent
from autograde.trust_boundary.preprocessors.show_rubric_to_graders import ShowRubricToGraders
from autograde.trust_boundary.preprocessors.stderr_is_not_failure import StderrIsNotFailure

__all__ = [
    "ExecuteInTwoKernels",
    "HideRubrics",
    "RebuildFromRelease",
    "SanitizeCandidateContent",
    "ShowRubricToGraders",
    "StderrIsNotFailure",
]
