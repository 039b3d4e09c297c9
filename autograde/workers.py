"""The local pool's start: workers are forked from one server process that has
imported nbgrader and the kit once (each would otherwise spend a second on it).
Kept apart from the grading code so that `mlassess grade` can start that server
before it imports nbgrader itself, and both imports run at once."""
from __future__ import annotations

from multiprocessing import forkserver, get_context
from multiprocessing.context import BaseContext


def warm_start() -> BaseContext:
    """The pool's context, its server started (or already running). Not forked from the
    grading process, whose threads (the progress bar) a fork would copy mid-step."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["autograde.grading", "autograde.nbgrader_settings"])
    forkserver.ensure_running()
    return context
