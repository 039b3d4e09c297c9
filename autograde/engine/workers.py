"""The local pool's start: workers are forked from one server process that has
imported nbgrader and the kit once (each would otherwise spend a second on it).
Kept apart from the grading code (and nbgrader) so that `mlassess grade` starts that
server first thing, and it imports while the command lists and fingerprints the cohort."""

from __future__ import annotations

from multiprocessing import forkserver, get_context
from multiprocessing.context import BaseContext

# What grading a submission imports: the kit (first: its package trims nbformat's import, see
# autograde/__init__.py), nbgrader's API, converters and preprocessors.
PRELOAD = [
    "autograde.engine.grading",
    "autograde.trust_boundary.preprocessors",
    "autograde.engine.feedback_exporter",
    "autograde.trust_boundary.staging",
    "nbgrader.apps",
    "nbgrader.api",
    "nbgrader.converters",
    "nbgrader.preprocessors",
]


def warm_start() -> BaseContext:
    """The pool's context, its server started (or already running). Not forked from the
    grading process, whose threads (the progress bar) a fork would copy mid-step."""
    context = get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()
    return context
