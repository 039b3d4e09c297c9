"""The half of the bridge that runs in the trusted test kernel.

Test cells run here, in a namespace where a name the test did not define
resolves through the candidate's kernel: data comes back as real values decoded
here, anything else as a `Candidate` handle whose calls and attribute reads go
back to the candidate. Nothing the candidate sends names an object of this
kernel (no function or class is looked up on its word, no attribute path is
walked), so assertions only ever see values decoded here, and no candidate code
runs here. The one name taken on its word is a module's, and only when it is on
TRUSTED_MODULES: the test then gets this kernel's own import of that module (a
test using `np` that it did not import), which is what it meant by the name.

What candidate code prints while a test calls it is not copied here: it could
echo hidden inputs into the candidate's feedback. An exception it raises reaches
the test with its message (tests may check it), but one the test does not catch
is shown without it, for the same reason.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import os
import queue
import sys
import time
import traceback

import zmq
from jupyter_client import BlockingKernelClient

from autograde.trust_boundary.bridge import codec
from autograde.trust_boundary.bridge.candidate_side import MIME

MAX_REPLY_BYTES = 256 * 1024 * 1024
# What this kernel buffers from the candidate's sockets: a frame larger than this
# closes the connection, and at most this many messages wait unread.
MAX_FRAME_BYTES = MAX_REPLY_BYTES + 1024 * 1024
MAX_QUEUED_MESSAGES = 8
MAX_MESSAGE_CHARS = 300  # of an uncaught test failure's message, in the feedback
# Exceptions that steer the test's own control flow (a loop, a generator) are never re-created.
CONTROL_FLOW = frozenset({"StopIteration", "StopAsyncIteration"})
# Modules a name in the candidate's namespace may stand for in a test: exact names, no walk.
TRUSTED_MODULES = frozenset(
    {
        "numpy",
        "numpy.random",
        "numpy.linalg",
        "numpy.testing",
        "pandas",
        "scipy",
        "scipy.stats",
        "sklearn",
        "sklearn.metrics",
        "sklearn.model_selection",
        "sklearn.preprocessing",
        "sklearn.pipeline",
        "torch",
        "torch.nn",
        "torch.nn.functional",
        "mlflow",
        "math",
        "statistics",
        "random",
        "json",
        "re",
        "datetime",
        "collections",
        "itertools",
        "functools",
        "pathlib",
    }
)


class CandidateError(Exception):
    """Candidate code raised; subclasses are made per candidate exception type."""


class CandidateRaised(Exception):
    """An exception from candidate code that no test caught, its message withheld."""


class CandidateTimeout(TimeoutError):
    """Candidate code did not answer within the cell's time."""


class CandidateKernelDied(RuntimeError):
    """The candidate's kernel died (exit, crash, or a resource limit)."""


class Candidate:
    """A handle to an object that lives in the candidate's kernel."""

    __slots__ = ("_bridge", "_id")

    def __init__(self, bridge, ref):
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_id", ref)

    def __repr__(self):
        return "<candidate object>"

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocols numpy, pandas, pickle probe for stay local
        return self._bridge.request("getattr", id=self._id, name=name)

    def __setattr__(self, name, value):
        self._bridge.request("setattr", id=self._id, name=name, value=self._bridge.encode(value))

    def __call__(self, *args, **kwargs):
        return self._bridge.request(
            "call", id=self._id, args=self._bridge.encode(args), kwargs=self._bridge.encode(kwargs)
        )

    def __getitem__(self, key):
        return self._bridge.request("getitem", id=self._id, key=self._bridge.encode(key))

    def __len__(self):
        return self._bridge.request("len", id=self._id)

    def __iter__(self):
        return iter(self._bridge.request("iter", id=self._id))

    def __bool__(self):
        return self._bridge.request("bool", id=self._id)

    def __reduce__(self):
        raise TypeError("a candidate object cannot be pickled")

    def __array__(self, *args, **kwargs):
        # not data: numpy must not walk it item by item through the bridge
        raise TypeError(f"{self!r} is not data (it is not an array, a DataFrame or a number)")


class Bridge:
    def __init__(self, connection: dict):
        """`connection`: the candidate kernel's connection info, as the grader read it at launch."""
        context = zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_FRAME_BYTES)
        context.setsockopt(zmq.RCVHWM, MAX_QUEUED_MESSAGES)
        self.client = BlockingKernelClient(context=context)
        self.client.load_connection_info(connection)
        self.client.start_channels()
        self.deadline = float("inf")
        self._exceptions: dict[tuple, type] = {}
        self.on_send = lambda: None  # told before data goes to candidate code

    def reconnected(self) -> None:
        """After the grader restarted the candidate's kernel: returns once this client's
        channels reach the new kernel (it answers kernel_info on both)."""
        self.client.wait_for_ready(timeout=30)

    def encode(self, value):
        def only_handles(other):
            if isinstance(other, Candidate):
                return {"$": "ref", "id": other._id}
            raise TypeError(f"cannot pass {type(other).__name__} to candidate code: only data and candidate objects")

        return codec.encode(value, only_handles)

    def lookup(self, name):
        return self.request("lookup", name=name)

    def request(self, op, **fields):
        if time.monotonic() > self.deadline:  # never queue more work behind a cell that ran out of time
            raise CandidateTimeout("candidate code did not finish within the cell's time limit")
        if op in ("call", "setattr", "getitem"):
            self.on_send()
        code = f"__mlassess_bridge__.serve({json.dumps(json.dumps({'op': op, **fields}))})"
        msg_id = self.client.execute(code, silent=False, store_history=False, allow_stdin=False)
        reply_text, done = None, False
        while not done:
            if time.monotonic() > self.deadline:
                raise CandidateTimeout("candidate code did not finish within the cell's time limit")
            try:
                msg = self.client.get_iopub_msg(timeout=0.25)
            except queue.Empty:
                if not self.client.is_alive():
                    raise CandidateKernelDied("the candidate's kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "display_data" and MIME in content.get("data", {}):
                reply_text = content["data"][MIME]
            elif kind == "status" and content.get("execution_state") == "idle":
                done = True
        if reply_text is None:
            raise CandidateError("the candidate's kernel gave no answer (its bridge was removed or broken)")
        return self._decode_reply(reply_text)

    def _decode_reply(self, text):
        """Fails closed: an answer that is too long or not JSON is refused, never read as None."""
        if not isinstance(text, str) or len(text) > MAX_REPLY_BYTES:
            raise CandidateError(f"the candidate's kernel answered with more than {MAX_REPLY_BYTES} bytes")
        try:
            data = json.loads(text)
        except ValueError:
            raise CandidateError("the candidate's kernel answered with something that is not JSON") from None
        if not isinstance(data, dict) and not (data is None or type(data) in (bool, int, float, str)):
            raise CandidateError("the candidate's kernel answered with something that is not data")
        if isinstance(data, dict) and data.get("$") == "raise":
            raise self._exception(data)
        try:
            return codec.decode(data, self._describe)
        except (codec.Malformed, ValueError, TypeError, KeyError) as exc:
            raise CandidateError(f"the candidate's answer is not data: {exc}") from None

    def _describe(self, data):
        """A reference names a handle by number (and a module its name): nothing else crosses that is not data."""
        fields = {"$", "id", "name"} if data["$"] == "module" else {"$", "id"}
        if set(data) != fields or type(data["id"]) is not int:
            raise codec.Malformed("a reference holds a number (and a module's name) and nothing else")
        if data["$"] == "module" and data["name"] in TRUSTED_MODULES:
            return importlib.import_module(data["name"])
        return Candidate(self, data["id"])

    def _exception(self, data):
        types = data.get("types")
        if not isinstance(types, list):
            return CandidateError("the candidate's kernel sent a malformed exception")
        names = tuple(str(n)[:100] for n in types)[:20] or ("Exception",)
        message = str(data.get("message", ""))[:4000]
        if names[0] in ("KeyboardInterrupt",):
            return CandidateTimeout("candidate code was interrupted at the cell's time limit")
        if names not in self._exceptions:
            base = next(
                (
                    getattr(builtins, n)
                    for n in names
                    if n not in CONTROL_FLOW
                    and isinstance(getattr(builtins, n, None), type)
                    and issubclass(getattr(builtins, n), Exception)
                ),
                Exception,
            )
            self._exceptions[names] = type(
                names[0],
                (CandidateError, base) if base is not Exception else (CandidateError,),
                {"__module__": "candidate"},
            )
        return self._exceptions[names](message)


class TestNamespace(dict):
    """Globals of the test cells: what a test defines, then builtins, then the candidate's names."""

    def __init__(self, bridge: Bridge):
        super().__init__()
        self.bridge = bridge
        self.lost: set[str] = set()  # defined by tests before a restart: never the candidate's

    def __missing__(self, name):
        if name.startswith("__") and name.endswith("__") or name in self.lost:
            raise KeyError(name)
        if hasattr(builtins, name):
            return getattr(builtins, name)
        try:
            return self.bridge.lookup(name)
        except NameError:
            raise KeyError(name) from None


HIDDEN_LABEL_WORDS = ("label", "truth")  # in the name of a grader-only file: it holds true outcomes


class HiddenLabelAudit:
    """What one test did with grader-only labels: read a labels file ("read"), and then sent
    data to candidate code ("gave": the labels may have gone with it). The candidate's
    kernel keeps its state between tests, so labels given in one test can be replayed when
    a later one scores predictions on the same rows; `mlassess validate` checks the order."""

    def __init__(self):
        self.read = self.gave = False
        sys.addaudithook(self._on_event)

    def _on_event(self, event, args):
        if event == "open" and not self.read and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.fsdecode(args[0])
            name = os.path.basename(path).lower()
            if "hidden" in path.split(os.sep) and any(word in name for word in HIDDEN_LABEL_WORDS):
                self.read = True

    def start(self) -> None:
        self.read = self.gave = False

    def sent(self) -> None:
        self.gave = self.gave or self.read

    def outcome(self) -> str:
        return "gave" if self.gave else "read" if self.read else ""


class TrustedRunner:
    """What the orchestrator calls in the trusted kernel for each test cell."""

    def __init__(self, connection: dict):
        self.bridge = Bridge(connection)
        self.namespace = TestNamespace(self.bridge)
        self.source = ""
        self.audit = HiddenLabelAudit()
        self.bridge.on_send = self.audit.sent
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:  # in the trusted kernel: failures print as plain_traceback writes them
            shell.set_custom_exc((Exception, KeyboardInterrupt), plain_traceback)

    def load(self, source: str) -> None:
        self.source = source

    def after_restart(self, earlier_tests: list[str]) -> None:
        """A fresh kernel lost what earlier test cells defined. Their imports are made
        again; any other name they defined must not quietly resolve to the candidate's
        object of the same name, so it stays undefined."""
        for source in earlier_tests:
            for node in _module_level(ast.parse(source)):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    exec(compile(ast.Module([node], []), "<earlier test imports>", "exec"), self.namespace)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    self.namespace.lost.add(node.name)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    self.namespace.lost.add(node.id)

    def run(self, budget_s: float, name: str) -> None:
        """Runs the loaded test. Tracebacks name the test but never show its lines:
        feedback must not reveal hidden tests. The kernel's `ok` reply to this call is
        the only way a test passes (see ExecuteInTwoKernels)."""
        code = compile(self.source, f"<test {name}>", "exec")
        self.audit.start()
        self.bridge.deadline = time.monotonic() + budget_s
        try:
            exec(code, self.namespace)
        except CandidateError as exc:  # its message may carry hidden inputs the candidate was given
            raise CandidateRaised(
                f"your code raised {type(exc).__name__} (its message is not shown in grading feedback)"
            ) from None
        except Exception as exc:
            raise _shown(exc) from None
        finally:
            self.bridge.deadline = float("inf")


def plain_traceback(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """A failing test's traceback as feedback and formgrader show it: the test's own lines that
    failed (by number: hidden tests' source stays hidden) and the exception, never the grader's
    frames or the host's paths. Installed as the trusted kernel's handler for every exception."""
    where = [
        f'  File "{frame.filename}", line {frame.lineno}' + ("" if frame.name == "<module>" else f", in {frame.name}")
        for frame in traceback.extract_tb(tb)
        if frame.filename.startswith("<test ")
    ]
    message = str(value)
    stb = ["Traceback (most recent call last):", *where, f"{etype.__name__}: {message}" if message else etype.__name__]
    shell._showtraceback(etype, value, stb)
    return stb


def _shown(exc: Exception) -> Exception:
    """The test's own failure as the feedback shows it: no chained exception (a candidate's
    message would come with it), and a message cut at MAX_MESSAGE_CHARS."""
    message = str(exc)
    if len(message) > MAX_MESSAGE_CHARS:
        try:
            exc = type(exc)(message[:MAX_MESSAGE_CHARS] + " [cut]")
        except Exception:
            exc = AssertionError(message[:MAX_MESSAGE_CHARS] + " [cut]")
    exc.__cause__ = exc.__context__ = None
    return exc


def _module_level(tree):
    """Nodes a test cell runs at module level: function and class bodies are not entered."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
