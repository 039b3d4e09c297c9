"""Grading steps the kit adds to nbgrader's autograde pipeline, one per module."""
from autograde.preprocessors.execute_in_two_kernels import ExecuteInTwoKernels
from autograde.preprocessors.rebuild_from_release import RebuildFromRelease
from autograde.preprocessors.sanitize_candidate_content import SanitizeCandidateContent
from autograde.preprocessors.stderr_is_not_failure import StderrIsNotFailure

__all__ = ["ExecuteInTwoKernels", "RebuildFromRelease", "SanitizeCandidateContent", "StderrIsNotFailure"]
