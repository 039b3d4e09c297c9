"""The half of the bridge that runs in the trusted test kernel.

Test cells run here, in a namespace where a name the test did not define
resolves through the candidate's kernel: data comes back as real values, a
module or library callable as the trusted kernel's own import, anything else as
a `Candidate` handle whose calls and attribute reads go back to the candidate.
Assertions therefore only ever see values decoded here.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import json
import queue
import sys
import time

from jupyter_client import BlockingKernelClient

from autograde.bridge import codec
from autograde.bridge.candidate_side import MIME

MAX_REPLY_BYTES = 256 * 1024 * 1024
MAX_ECHO_BYTES = 64 * 1024
# A candidate says which module a name is; only these are imported on its word.
IMPORTABLE_ROOTS = {
    "numpy", "pandas", "scipy", "sklearn", "torch", "mlflow", "matplotlib", "pyarrow", "math", "statistics",
    "random", "collections", "itertools", "functools", "operator", "json", "re", "datetime", "decimal",
    "fractions", "string", "typing", "dataclasses", "enum", "copy", "hashlib", "pathlib", "os", "time",
}


class CandidateError(Exception):
    """Candidate code raised; subclasses are made per candidate exception type."""


class CandidateTimeout(TimeoutError):
    """Candidate code did not answer within the cell's time."""


class CandidateKernelDied(RuntimeError):
    """The candidate's kernel died (exit, crash, or a resource limit)."""


class Candidate:
    """A handle to an object that lives in the candidate's kernel."""

    __slots__ = ("_bridge", "_id", "_type")

    def __init__(self, bridge, ref, type_name):
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_id", ref)
        object.__setattr__(self, "_type", type_name)

    def __repr__(self):
        return f"<candidate {self._type}>"

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocols numpy, pandas, pickle probe for stay local
        return self._bridge.request("getattr", id=self._id, name=name)

    def __setattr__(self, name, value):
        self._bridge.request("setattr", id=self._id, name=name, value=self._bridge.encode(value))

    def __call__(self, *args, **kwargs):
        return self._bridge.request("call", id=self._id, args=self._bridge.encode(args),
                                    kwargs=self._bridge.encode(kwargs))

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
        self.client = BlockingKernelClient()
        self.client.load_connection_info(connection)
        self.client.start_channels()
        self.deadline = float("inf")
        self._exceptions: dict[tuple, type] = {}

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
        code = f"__mlassess_bridge__.serve({json.dumps(json.dumps({'op': op, **fields}))})"
        msg_id = self.client.execute(code, silent=False, store_history=False, allow_stdin=False)
        reply_text, done, echoed = None, False, 0
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
            if kind == "stream" and echoed < MAX_ECHO_BYTES:
                # what candidate code prints while a test calls it stays visible in the feedback
                text = str(content.get("text", ""))[: MAX_ECHO_BYTES - echoed]
                echoed += len(text)
                (sys.stderr if content.get("name") == "stderr" else sys.stdout).write(text)
            elif kind == "display_data" and MIME in content.get("data", {}):
                reply_text = content["data"][MIME]
            elif kind == "status" and content.get("execution_state") == "idle":
                done = True
        if reply_text is None:
            raise CandidateError("the candidate's kernel gave no answer (its bridge was removed or broken)")
        return self._decode_reply(reply_text)

    def _decode_reply(self, text):
        try:
            data = json.loads(text) if len(text) <= MAX_REPLY_BYTES else None
        except ValueError:
            data = None
        if not isinstance(data, dict) and not (data is None or type(data) in (bool, int, float, str)):
            raise CandidateError("the candidate's kernel answered with something that is not data")
        if isinstance(data, dict) and data.get("$") == "raise":
            raise self._exception(data)
        try:
            return codec.decode(data, self._describe)
        except (codec.Malformed, ValueError, TypeError, KeyError) as exc:
            raise CandidateError(f"the candidate's answer is not data: {exc}") from None

    def _describe(self, data):
        kind = data["$"]
        if kind in ("module", "import"):
            module_name = str(data.get("name") or data.get("module"))
            if module_name.split(".")[0] in IMPORTABLE_ROOTS:
                try:
                    value = importlib.import_module(module_name)
                    for part in ([] if kind == "module" else str(data["qualname"]).split(".")):
                        value = getattr(value, part)
                    return value
                except (ImportError, AttributeError):
                    pass
        if kind == "raise":
            raise CandidateError("unexpected exception inside a value")
        return Candidate(self, int(data["id"]), str(data.get("type", kind))[:200])

    def _exception(self, data):
        names = tuple(str(n)[:100] for n in data.get("types", []))[:20] or ("Exception",)
        message = str(data.get("message", ""))[:4000]
        if names[0] in ("KeyboardInterrupt",):
            return CandidateTimeout("candidate code was interrupted at the cell's time limit")
        if names not in self._exceptions:
            base = next((getattr(builtins, n) for n in names if isinstance(getattr(builtins, n, None), type)
                         and issubclass(getattr(builtins, n), Exception)), Exception)
            self._exceptions[names] = type(names[0], (CandidateError, base) if base is not Exception else
                                           (CandidateError,), {"__module__": "candidate"})
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


class TrustedRunner:
    """What the orchestrator calls in the trusted kernel for each test cell."""

    def __init__(self, connection: dict):
        self.bridge = Bridge(connection)
        self.namespace = TestNamespace(self.bridge)
        self.source = ""

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
        feedback must not reveal hidden tests."""
        code = compile(self.source, f"<test {name}>", "exec")
        self.bridge.deadline = time.monotonic() + budget_s
        try:
            exec(code, self.namespace)
        finally:
            self.bridge.deadline = float("inf")


def _module_level(tree):
    """Nodes a test cell runs at module level: function and class bodies are not entered."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
