"""Runs a submission the trusted way, in place of nbgrader's Execute.

Candidate cells run in a sandboxed kernel; test cells (recognised only by the
gradebook's grade ids, their source taken from the gradebook) run in a second,
trusted kernel where candidate names resolve through the bridge. A timeout,
crash or dead kernel becomes an error output on the cell it hit, the candidate
kernel is interrupted or restarted, and grading goes on with the next cell.

A test passes only when the trusted kernel positively reports that it ran to the
end: its `ok` reply to the test. Anything else (a timeout, an interrupt, a dead
kernel, no reply) leaves an error on the cell, which nbgrader scores zero.
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from jupyter_core.utils import run_sync
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Int

from autograde.layout import FIXTURES, TASK_FILE, CourseLayout
from autograde.trust_boundary.kernels import RUNNER_NAME, KernelPair
from autograde.trust_boundary.limits import Limits
from autograde.trust_boundary.notes import NOTE_KEY
from autograde.trust_boundary.sandbox import INSIDE_WORKDIR, SandboxUnavailable, ScratchFolder, bwrap_available

# The numeric libraries' thread settings, all set to the grader's `kernel_threads` when it caps them.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
MLFLOW_STORE = ("mlflow.db", "mlruns", "mlartifacts")
LOUD_WARNING = (
    "UNSAFE: candidate code runs WITHOUT the sandbox: it can read hidden tests and the gradebook, "
    "write anywhere this user can, and reach the network"
)


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class ExecuteInTwoKernels(NbGraderPreprocessor):
    allow_unsandboxed = Bool(False, help="Run candidate code without the sandbox where none can start.").tag(
        config=True
    )
    gpu = Bool(False, help="Pass the host's NVIDIA devices into the candidate's sandbox.").tag(config=True)
    kernel_threads = Int(0, help="Threads each kernel's numeric libraries may use (0: their default).").tag(config=True)

    def preprocess(self, nb, resources):
        sandboxed = self._sandbox_or_refuse()
        assignment, notebook = resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"]
        coursedir = CourseDirectory(config=self.config)
        task_dir = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        limits = Limits.of_task_folder(task_dir)
        tests = trusted_test_sources(resources["nbgrader"]["db_url"], assignment, notebook)

        graded = Path(resources["metadata"]["path"])
        student = resources["nbgrader"]["student"]
        course = CourseLayout(coursedir.root)
        release = course.release_for(student, assignment)
        scratch = ScratchFolder(graded, limits.disk_mb)
        trusted_dir = Path(tempfile.mkdtemp(prefix="mlassess-trusted-"))
        try:
            copy_release_files(release, scratch.path)  # the data as released, whatever the submission did to it
            shutil.copytree(
                task_dir, trusted_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(FIXTURES, TASK_FILE, "*.ipynb")
            )
            copy_release_files(release, trusted_dir)
            hidden = course.hidden_for(student, assignment)
            if hidden.is_dir():
                shutil.copytree(hidden, trusted_dir / "hidden", dirs_exist_ok=True)
            pair = KernelPair(
                nb,
                scratch.path,
                trusted_dir,
                limits,
                sandboxed,
                self.gpu,
                kernel_env(INSIDE_WORKDIR if sandboxed else str(scratch.path), self.kernel_threads),
            )
            run_sync(self._execute)(nb, pair, tests, limits)
            keep_mlflow_store(scratch.path, graded)
        finally:
            scratch.remove()
            shutil.rmtree(trusted_dir, ignore_errors=True)
        return nb, resources

    def _sandbox_or_refuse(self) -> bool:
        problem = bwrap_available()
        if problem is None:
            return True
        if self.allow_unsandboxed:
            self.log.warning(LOUD_WARNING)
            return False
        raise SandboxUnavailable(
            f"{problem}. Refusing to run candidate code unsandboxed; to grade anyway and accept "
            "the risk, pass `mlassess grade --unsafe-no-sandbox` (MLASSESS_UNSAFE_NO_SANDBOX=1 for plain "
            "nbgrader)."
        )

    async def _execute(self, nb, pair: KernelPair, tests: dict[str, str], limits: Limits) -> None:
        deadline = time.monotonic() + limits.notebook_timeout_s
        self._tests_run: list[str] = []
        try:
            await pair.start()  # inside: a kernel that fails to start must not leave the other running
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                budget = min(limits.cell_timeout_s, deadline - time.monotonic())
                if budget < 1:
                    cell.outputs = [
                        error_output(
                            "NotebookTimeoutError", f"the notebook exceeded {limits.notebook_timeout_s} s; cell not run"
                        )
                    ]
                    continue
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in tests:
                    cell.source = tests[grade_id]
                    await self._run_test(pair, cell, index, budget)
                    nb.cells[index] = cell  # nbclient puts the cell it ran back into the notebook
                else:
                    await self._run_candidate(pair, cell, index, budget)
        finally:
            await pair.stop()

    async def _run_candidate(self, pair: KernelPair, cell, index: int, budget: float) -> None:
        pair.candidate.timeout = max(1, int(budget))
        await pair.candidate_output_on()
        pair.candidate.last_reply = None
        try:
            await pair.candidate.async_execute_cell(cell, index)
        except Exception as exc:  # the kernel died under this cell
            cell.outputs.append(error_output("CandidateKernelDied", _death_reason(pair, exc)))
            await pair.recover_candidate()
            return
        if cell.metadata.get("nbgrader", {}).get("grade"):  # an autograded answer: scored by its outputs
            _fail_unless_completed(cell, pair.candidate.last_reply)
        if _timed_out(cell):
            cell.outputs.append(
                NotebookNode(
                    output_type="stream",
                    name="stdout",
                    text=f"[stopped at the cell time limit of {pair.candidate.timeout} s]\n",
                )
            )
            if not await pair.candidate_responsive():
                await pair.recover_candidate()

    async def _run_test(self, pair: KernelPair, cell, index: int, budget: float) -> None:
        pair.candidate_output_off()
        await pair.trusted_ready()
        self._tests_run.append(cell.source)
        # The test's source goes in quietly: what the cell runs (and a traceback shows) holds none of it.
        await pair.run_quietly(pair.trusted, f"{RUNNER_NAME}.load({cell.source!r})")
        wrapper = copy.deepcopy(cell)
        wrapper.source = f"{RUNNER_NAME}.run({budget - 2:.1f}, {cell.metadata['nbgrader']['grade_id']!r})"
        pair.trusted.timeout = max(1, int(budget))
        pair.trusted.last_reply = None
        try:
            await pair.trusted.async_execute_cell(wrapper, index, store_history=False)
            _fail_unless_completed(wrapper, pair.trusted.last_reply)
            healthy = not _timed_out(wrapper) or await pair.responsive(pair.trusted)
        except Exception as exc:
            wrapper.outputs.append(error_output("TrustedKernelDied", f"the test kernel died: {exc}"))
            healthy = False
        if healthy:
            await self._note_hidden_labels(pair, cell)
        else:
            await pair.restart_trusted(self._tests_run)
        cell.outputs, cell.execution_count = wrapper.outputs, wrapper.execution_count
        # Only a test that ran out of time or lost the candidate's kernel can leave it busy or dead.
        if (
            _timed_out(cell) or _errors(cell) & {"CandidateKernelDied", "CandidateError"}
        ) and not await pair.candidate_responsive():
            note = await pair.recover_candidate()
            cell.outputs.append(
                NotebookNode(
                    output_type="stream", name="stdout", text=f"[the candidate's kernel was {note} after this cell]\n"
                )
            )

    @staticmethod
    async def _note_hidden_labels(pair: KernelPair, cell) -> None:
        """For `mlassess validate`: whether the test read grader-only labels, or read them and then
        sent data to candidate code (see HiddenLabelAudit)."""
        try:
            labels = await pair.ask(pair.trusted, f"{RUNNER_NAME}.audit.outcome()")
        except Exception:
            return
        if labels:
            cell.metadata.setdefault(NOTE_KEY, {})["hidden_labels"] = labels


TIMEOUTS = {"CellTimeoutError", "KeyboardInterrupt", "CandidateTimeout", "NotebookTimeoutError"}


def _fail_unless_completed(cell, reply: dict | None) -> None:
    """nbclient answers a cell that ran out of time with a made-up `error` reply and no error
    output; a kernel kept busy past its limit may never answer at all. Unless the trusted
    kernel replied `ok`, the cell gets an error output saying why."""
    content = (reply or {}).get("content", {})
    if content.get("status") == "ok" or _errors(cell):
        return
    if content.get("ename") == "CellTimeoutError":
        cell.outputs.append(error_output("CellTimeoutError", str(content.get("evalue", "the test ran out of time"))))
    else:
        cell.outputs.append(
            error_output(
                "TestDidNotComplete",
                f"the test kernel did not report that the test ran to its end (reply: {content.get('status', 'none')})",
            )
        )


def _errors(cell) -> set[str]:
    return {o.get("ename") for o in cell.outputs if o.get("output_type") == "error"}


def _timed_out(cell) -> bool:
    return bool(_errors(cell) & TIMEOUTS)


def _death_reason(pair: KernelPair, exc: Exception) -> str:
    if pair.groups and pair.groups[0].memory_exhausted():
        return f"the candidate's kernel was killed at the memory limit ({pair.limits.memory_mb} MB)"
    return f"the candidate's kernel died ({type(exc).__name__})"


def copy_release_files(release: Path, target: Path) -> None:
    for path in release.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb":
            destination = target / path.relative_to(release)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if destination.is_symlink() or destination.is_dir():
                shutil.rmtree(destination) if destination.is_dir() else destination.unlink()
            shutil.copyfile(path, destination)


def keep_mlflow_store(scratch: Path, graded: Path) -> None:
    """The submission's own MLflow store outlives the sandbox, for the grader to browse."""
    for name in MLFLOW_STORE:
        source = scratch / name
        if source.is_file() and not source.is_symlink():
            shutil.copyfile(source, graded / name)
        elif source.is_dir() and not source.is_symlink():
            shutil.copytree(source, graded / name, dirs_exist_ok=True, ignore=_symlinks)


def _symlinks(folder, names):
    return [n for n in names if os.path.islink(os.path.join(folder, n))]


def trusted_test_sources(db_url: str, assignment: str, notebook: str) -> dict[str, str]:
    """Autograded test cells as the author wrote them, hidden tests included."""
    with Gradebook(db_url) as gb:
        nb = gb.find_notebook(notebook, assignment)
        solutions = {c.name for c in nb.solution_cells}
        sources = {c.name: c.source for c in nb.source_cells}
        return {c.name: sources[c.name] for c in nb.grade_cells if c.name not in solutions and c.cell_type == "code"}


def kernel_env(home: str, threads: int = 0) -> dict[str, str]:
    """A clean environment: nothing of the grader's shell (no NBGRADER_EXECUTION,
    no MLflow server address, no credentials) reaches a kernel."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "MPLCONFIGDIR": f"{home}/.cache/matplotlib",
        "IPYTHONDIR": f"{home}/.ipython",
        "MLFLOW_TRACKING_URI": f"sqlite:///{home}/mlflow.db",
        **(
            {"CUDA_VISIBLE_DEVICES": os.environ["CUDA_VISIBLE_DEVICES"]} if "CUDA_VISIBLE_DEVICES" in os.environ else {}
        ),
        **({name: str(threads) for name in THREAD_VARIABLES} if threads else {}),
    }
