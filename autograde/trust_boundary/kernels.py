"""The two kernels a notebook is graded with: the candidate's, sandboxed, and the
trusted one that runs test cells. Both talk over unix sockets (IPC transport),
which cross the sandbox's network isolation where TCP cannot."""

from __future__ import annotations

import ast
import asyncio
import inspect
import shutil
import tempfile
import time
from pathlib import Path
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbformat import NotebookNode
from traitlets import Type

from autograde.trust_boundary.bridge import candidate_side, codec
from autograde.trust_boundary.limits import Limits
from autograde.trust_boundary.sandbox import INSIDE_WORKDIR, ResourceGroup, sandbox_command

KIT_PACKAGE = Path(__file__).resolve().parents[1]  # the `autograde` package: the trusted kernel imports its bridge
BRIDGE_NAME = "__mlassess_bridge__"
RUNNER_NAME = "__mlassess_runner__"
# What the grader's process buffers from a kernel's sockets: a frame larger than this closes
# the connection (the message is lost, the cell's output with it), and at most this many
# messages wait unread per socket. A candidate kernel can send anything; these bound what
# the grader holds of it (cell outputs are cut further, at the task's output_kb).
MAX_FRAME_BYTES = 16 * 1024 * 1024
MAX_QUEUED_MESSAGES = 64


def capped_context(kind=zmq.Context):
    context = kind()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_FRAME_BYTES)
    context.setsockopt(zmq.RCVHWM, MAX_QUEUED_MESSAGES)
    return context


class PromptlyReadyClient(AsyncKernelClient):
    """jupyter_client's kernel client, ready as soon as the kernel has answered on both
    channels. jupyter_client's own wait then listens for 0.2 s of silence on IOPub, and every
    submission starts two kernels: 0.2 s of its wall time idle. Here the wait ends at the
    kernel's `idle` status for our kernel_info request, the last message it sends for it.
    Its sockets are capped (see MAX_FRAME_BYTES)."""

    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        return capped_context(zmq.asyncio.Context)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            reply = await self._answer(self.shell_channel, request, "kernel_info_reply", within=1)
            # Nothing on IOPub yet means it was not connected when the kernel published: ask again.
            if reply and await self._answer(self.iopub_channel, request, "status", within=0.2, state="idle"):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    @staticmethod
    async def _answer(channel, request: str, msg_type: str, within: float, state: str | None = None) -> dict | None:
        """The first message of `msg_type` sent in answer to `request` within `within` s, or None."""
        give_up = time.monotonic() + within
        while (left := give_up - time.monotonic()) > 0:
            try:
                msg = await channel.get_msg(timeout=left)
            except Empty:
                return None
            if (
                msg["parent_header"].get("msg_id") == request
                and msg["msg_type"] == msg_type
                and (state is None or msg["content"].get("execution_state") == state)
            ):
                return msg
        return None


class WrappedKernelManager(AsyncKernelManager):
    """A kernel whose command line is passed through `wrap` (the sandbox) before launch."""

    client_factory = Type(PromptlyReadyClient, klass=AsyncKernelClient)

    def __init__(self, wrap, **kwargs):
        super().__init__(**kwargs)
        self._wrap = wrap

    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True  # its control socket hears the kernel's shutdown replies
        return capped_context(zmq.asyncio.Context)

    def format_kernel_cmd(self, extra_arguments=None):
        return self._wrap(super().format_kernel_cmd(extra_arguments))


class CappedClient(NotebookClient):
    """nbclient, keeping at most `output_kb` of output per cell: endless prints and
    giant lines stop costing the grader memory, and the cut is said in the output.
    It keeps the kernel's reply to the last cell: nbclient records a timeout only
    there (as a made-up `error` reply), not in the cell's outputs."""

    output_kb = 1024
    last_reply: dict | None = None

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        self.last_reply = exec_reply
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)

    def output(self, outs, msg, display_id, cell_index):
        used = self._used.get(cell_index, 0) if hasattr(self, "_used") else 0
        size = len(str(msg["content"]))
        self._used = getattr(self, "_used", {})
        self._used[cell_index] = used + size
        cap = self.output_kb * 1024
        if used + size <= cap:
            return super().output(outs, msg, display_id, cell_index)
        if used <= cap:
            outs.append(
                NotebookNode(
                    output_type="stream", name="stdout", text=f"\n[output cut: over {self.output_kb} KB in one cell]\n"
                )
            )
        return None


class KernelPair:
    """Starts both kernels for one notebook and stops them, and everything they
    started, afterwards."""

    def __init__(
        self,
        nb: NotebookNode,
        scratch: Path,
        trusted_dir: Path,
        limits: Limits,
        sandboxed: bool,
        gpu: bool,
        env: dict[str, str],
    ):
        self.limits, self.sandboxed = limits, sandboxed
        self.sockets = Path(tempfile.mkdtemp(prefix="mlassess-kernels-"))
        (self.sockets / "candidate").mkdir()
        (self.sockets / "trusted").mkdir()
        self.groups = [ResourceGroup(limits.memory_mb, limits.processes) for _ in range(2)] if sandboxed else []
        self.scratch, self.trusted_dir = scratch, trusted_dir
        self._trusted_start: asyncio.Future | None = None
        self._candidate_restarts = self._restarts_known_to_tests = 0

        def candidate_wrap(cmd):
            return (
                sandbox_command(
                    cmd,
                    workdir=scratch,
                    binds_rw=[self.sockets / "candidate"],
                    binds_ro=[],
                    limits=limits,
                    group=self.groups[0],
                    gpu=gpu,
                )
                if sandboxed
                else cmd
            )

        def trusted_wrap(cmd):
            return (
                sandbox_command(
                    cmd,
                    workdir=trusted_dir,
                    binds_rw=[self.sockets],
                    binds_ro=[KIT_PACKAGE, scratch],
                    limits=limits,
                    group=self.groups[1],
                    gpu=False,
                )
                if sandboxed
                else cmd
            )

        self.candidate = self._client(nb, candidate_wrap, "candidate", limits.cell_timeout_s)
        self.trusted = self._client(nb, trusted_wrap, "trusted", limits.cell_timeout_s + 5)
        self.candidate_env = {**env, "HOME": INSIDE_WORKDIR if sandboxed else str(scratch)}
        self.trusted_env = {
            **env,
            "HOME": INSIDE_WORKDIR if sandboxed else str(trusted_dir),
            "MLASSESS_SUBMISSION_DIR": str(scratch),
        }

    def _client(self, nb, wrap, name, timeout):
        km = WrappedKernelManager(wrap, kernel_name="python3", transport="ipc", ip=str(self.sockets / name / "k"))
        km.connection_file = str(self.sockets / name / "kernel.json")
        km.kernel_spec.interrupt_mode = "message"  # a signal cannot reach into the sandbox's pid namespace
        client = CappedClient(
            nb,
            km=km,
            timeout=timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            kernel_name="python3",
            record_timing=False,
            shutdown_kernel="immediate",
            extra_arguments=[
                "--HistoryManager.hist_file=:memory:",
                "--IPKernelApp.parent_handle=0",
                "--IPKernelApp.log_level=CRITICAL",
            ],
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"cell exceeded {timeout} s",
                "traceback": [f"CellTimeoutError: cell exceeded {timeout} s"],
            },
        )
        client.output_kb = self.limits.output_kb
        return client

    async def start(self) -> None:
        """Both kernels are launched at once (a kernel's start is mostly its own imports);
        this returns when the candidate's is ready, and the test kernel goes on getting
        ready while the candidate's first cells run (see `trusted_ready`)."""
        # In the sandbox bwrap sets the working folder; outside, the launcher does.
        where = {} if self.sandboxed else {"c": {"cwd": str(self.scratch)}, "t": {"cwd": str(self.trusted_dir)}}
        await asyncio.gather(
            self.candidate.async_start_new_kernel(env=self.candidate_env, **where.get("c", {})),
            self.trusted.async_start_new_kernel(env=self.trusted_env, **where.get("t", {})),
        )
        # The grader's own record, not the connection file: the candidate's sandbox can write that.
        self._candidate_connection = _plain(self.candidate.km.get_connection_info())
        self._trusted_start = asyncio.ensure_future(self._start_trusted())
        await self.candidate.async_start_new_kernel_client()
        await self.install_candidate_bridge()

    async def _start_trusted(self) -> None:
        await self.trusted.async_start_new_kernel_client()
        await self.run_quietly(self.trusted, _trusted_setup(self._candidate_connection))

    async def trusted_ready(self) -> None:
        """Before each test: the test kernel started, and connected to the candidate's. After the
        candidate's kernel was restarted, the test kernel's sockets may still be reconnecting (a
        request sent then is lost, and the test would wait out its time): it waits for them."""
        await self._trusted_start
        if self._restarts_known_to_tests < self._candidate_restarts:
            self._restarts_known_to_tests = self._candidate_restarts
            try:
                await self.run_quietly(self.trusted, f"{RUNNER_NAME}.bridge.reconnected()")
            except RuntimeError:
                pass  # not back: the test's own calls then find the kernel dead or out of time

    async def install_candidate_bridge(self) -> None:
        """Before any candidate code: the bridge's candidate half, in its own module object."""
        source = "\n".join(
            [
                "def __mlassess_install__():",
                "    import types, IPython.display",
                f"    codec = types.ModuleType('mlassess_codec'); exec({inspect.getsource(codec)!r}, codec.__dict__)",
                "    side = types.ModuleType('mlassess_bridge')",
                f"    exec({inspect.getsource(candidate_side)!r}, side.__dict__)",
                "    return side.CandidateBridge(get_ipython().user_ns, codec, IPython.display.publish_display_data)",
                f"{BRIDGE_NAME} = __mlassess_install__()",
                "del __mlassess_install__",
            ]
        )
        await self.run_quietly(self.candidate, source)

    def candidate_output_off(self) -> None:
        """While tests run, the grader does not read the candidate's output (a test's bridge
        traffic, or a flood a candidate function publishes while a test calls it): its
        subscription is closed, so none of it waits in the grader's memory."""
        kc = self.candidate.kc
        if kc is not None and kc._iopub_channel is not None:
            kc._iopub_channel.close()
            kc._iopub_channel = None

    async def candidate_output_on(self) -> None:
        """Subscribed again before a candidate cell, and ready once the kernel's answer to a
        kernel_info request is heard on it (nothing the next cell publishes is missed)."""
        kc = self.candidate.kc
        if kc._iopub_channel is None:
            kc.iopub_channel.start()
            await kc.wait_for_ready(timeout=30)

    async def run_quietly(self, client: NotebookClient, code: str, timeout: float = 60) -> dict:
        msg_id = client.kc.execute(code, silent=True, store_history=False)
        reply = await ensure_async(client.kc.get_shell_msg(timeout=timeout))
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = await ensure_async(client.kc.get_shell_msg(timeout=timeout))
        if reply["content"]["status"] != "ok":
            raise RuntimeError(
                f"kernel set-up failed: {reply['content'].get('ename')}: {reply['content'].get('evalue')}"
            )
        return reply

    async def ask(self, client: NotebookClient, expression: str, timeout: float = 10):
        """The value of a Python literal `expression` evaluates to in a kernel (trusted kernel only:
        the answer is taken as it comes)."""
        msg_id = client.kc.execute("", silent=True, store_history=False, user_expressions={"answer": expression})
        reply = await ensure_async(client.kc.get_shell_msg(timeout=timeout))
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = await ensure_async(client.kc.get_shell_msg(timeout=timeout))
        answer = reply["content"].get("user_expressions", {}).get("answer", {})
        if answer.get("status") != "ok":
            raise RuntimeError(f"kernel could not answer {expression!r}: {answer.get('ename')}")
        return ast.literal_eval(answer["data"]["text/plain"])

    async def responsive(self, client: NotebookClient, timeout: float = 10) -> bool:
        try:
            await self.run_quietly(client, "", timeout=timeout)
            return True
        except Exception:
            return False

    async def candidate_responsive(self, timeout: float = 10) -> bool:
        return await self.responsive(self.candidate, timeout)

    async def restart_trusted(self, earlier_tests: list[str]) -> None:
        """A fresh test kernel: what earlier test cells defined is lost (see TrustedRunner.after_restart)."""
        await self.trusted.km.restart_kernel(now=True, newports=False)
        await self.trusted.kc.wait_for_ready(timeout=60)
        await self.run_quietly(self.trusted, _trusted_setup(self._candidate_connection))
        await self.run_quietly(self.trusted, f"{RUNNER_NAME}.after_restart({earlier_tests!r})")

    async def recover_candidate(self) -> str:
        """After a timeout or a death: interrupt, and restart if that is not enough.
        Returns what was done, for the feedback."""
        if await self.candidate.km.is_alive():
            await self.candidate.km.interrupt_kernel()
            if await self.candidate_responsive():
                return "interrupted"
        await self.candidate.km.restart_kernel(now=True, newports=False)
        self._candidate_restarts += 1
        await self.candidate.kc.wait_for_ready(timeout=60)
        await self.install_candidate_bridge()
        return "restarted"

    async def stop(self) -> None:
        async def stop(client):
            try:
                if client.kc:
                    client.kc.stop_channels()
                await client.km.shutdown_kernel(now=True)
            except Exception:
                pass

        # In the sandbox, everything a kernel started is killed with its group first: jupyter_client,
        # which polls for a kernel's end every 0.1 s, then often finds it gone at the first look.
        for group in self.groups:
            group.kill()
        if self._trusted_start is not None:
            self._trusted_start.cancel()  # a no-op once done; else the notebook ended before its first test
            await asyncio.gather(self._trusted_start, return_exceptions=True)
        # Each shutdown polls for its process's end: both wait at once.
        await asyncio.gather(stop(self.candidate), stop(self.trusted))
        for group in self.groups:
            group.remove()
        shutil.rmtree(self.sockets, ignore_errors=True)


def _plain(connection: dict) -> dict:
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in connection.items()}


def _trusted_setup(candidate_connection: dict) -> str:
    # The trusted kernel has the kit importable only through this path entry.
    kit = str(KIT_PACKAGE.parent)
    return "\n".join(
        [
            "import sys",
            "sys.path[:] = [p for p in sys.path if p not in ('', '.')]",  # never import from the working folder
            f"sys.path.insert(0, {kit!r})",
            "from autograde.trust_boundary.bridge.trusted_side import TrustedRunner",
            f"{RUNNER_NAME} = TrustedRunner({candidate_connection!r})",
            "del sys.path[0], TrustedRunner",
        ]
    )
