"""Grading steps the kit adds to nbgrader's autograde pipeline, one per module."""
from autograde.preprocessors.stderr_is_not_failure import StderrIsNotFailure

__all__ = ["StderrIsNotFailure"]
