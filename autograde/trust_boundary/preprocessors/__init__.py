"""Grading steps the kit adds to nbgrader's autograde pipeline, one per module."""

from autograde.trust_boundary.preprocessors.execute_in_two_kernels import ExecuteInTwoKernels
from autograde.trust_boundary.preprocessors.rebuild_from_release import RebuildFromRelease
from autograde.trust_boundary.preprocessors.sanitize_candidate_content import SanitizeCandidateContent
from autograde.trust_boundary.preprocessors.stderr_is_not_failure import StderrIsNotFailure

__all__ = ["ExecuteInTwoKernels", "RebuildFromRelease", "SanitizeCandidateContent", "StderrIsNotFailure"]
