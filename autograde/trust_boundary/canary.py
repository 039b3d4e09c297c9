"""Before a cohort is graded: proof that kernels start here, the way grading starts them.

A machine where the sandbox cannot run the kit's interpreter (a venv hidden by the
sandbox's private /tmp, a missing library) would otherwise grade every submission as
an error, and a grader would read a cohort of zeros. So grading first starts one kernel
pair as a submission's would be started and sends one value over the bridge. If that
fails, the real interpreter is run alone in the real sandbox, whose error output is the
message a grader needs. Any failure stops grading with that message.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_core.utils import run_sync
from nbformat.v4 import new_code_cell, new_notebook

from autograde.trust_boundary.kernels import RUNNER_NAME, KernelPair
from autograde.trust_boundary.limits import Limits
from autograde.trust_boundary.preprocessors.execute_in_two_kernels import kernel_env
from autograde.trust_boundary.sandbox import (
    INSIDE_WORKDIR,
    ResourceGroup,
    SandboxUnavailable,
    bwrap_available,
    sandbox_command,
)

LIMITS = Limits(cell_timeout_s=60, notebook_timeout_s=120)


class KernelsUnavailable(RuntimeError):
    """Kernels cannot start here the way grading starts them: nothing would be graded."""


def check_kernels(allow_unsandboxed: bool = False, gpu: bool = False) -> None:
    """Raises KernelsUnavailable, with the underlying error output, unless a candidate kernel and a
    test kernel start here as grading would start them (in the sandbox; without it only where none
    can start and the grader allowed that) and the bridge between them works."""
    problem = bwrap_available()
    if problem and not allow_unsandboxed:
        raise SandboxUnavailable(
            f"{problem}. Candidate code is never run unsandboxed unless you pass --unsafe-no-sandbox."
        )
    sandboxed = problem is None
    scratch = Path(tempfile.mkdtemp(prefix="mlassess-canary-"))
    trusted = Path(tempfile.mkdtemp(prefix="mlassess-canary-trusted-"))
    try:
        try:
            run_sync(_pair_answers)(scratch, trusted, sandboxed, gpu)
        except KernelsUnavailable:
            if sandboxed:  # the kernel's own error output says why: the interpreter run alone in the sandbox
                _interpreter_starts_in_sandbox(scratch)
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(trusted, ignore_errors=True)


def _interpreter_starts_in_sandbox(workdir: Path) -> None:
    group = ResourceGroup(LIMITS.memory_mb, LIMITS.processes)
    try:
        argv = [sys.executable, "-c", "import ipykernel, zmq"]
        command = sandbox_command(argv, workdir=workdir, binds_rw=[], binds_ro=[], limits=LIMITS, group=group)
        started = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        group.remove()
    if started.returncode != 0:
        said = (started.stderr or started.stdout).strip()[-2000:] or f"exit status {started.returncode}"
        raise KernelsUnavailable(f"the kernel's interpreter ({sys.executable}) does not start in the sandbox: {said}")


async def _pair_answers(scratch: Path, trusted: Path, sandboxed: bool, gpu: bool) -> None:
    nb = new_notebook(cells=[new_code_cell("canary = 41 + 1")])
    pair = KernelPair(
        nb, scratch, trusted, LIMITS, sandboxed, gpu, kernel_env(INSIDE_WORKDIR if sandboxed else str(scratch))
    )
    try:
        await pair.start()
        await pair.candidate.async_execute_cell(nb.cells[0], 0)
        await pair.trusted_ready()
        answer = await pair.ask(pair.trusted, f"{RUNNER_NAME}.bridge.lookup('canary')", timeout=60)
    except Exception as exc:
        raise KernelsUnavailable(f"a kernel pair does not start here: {type(exc).__name__}: {exc}") from None
    finally:
        await pair.stop()
    if answer != 42:
        raise KernelsUnavailable(f"the test kernel read {answer!r} from the candidate's kernel, not 42")
