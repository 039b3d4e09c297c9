"""How the trusted kernel reads what the candidate's kernel sends: a reference becomes a handle, a module
becomes this kernel's own import only when its name is on TRUSTED_MODULES, exceptions are re-created
without steering the test's control flow, and a test's own failure message is cut.

No kernel runs here: `Loopback` is the trusted side's real `Bridge` (its decoding, its descriptor and
exception handling) whose transport is a direct call to the candidate side's real `CandidateBridge`,
in place of a Jupyter execute request. Bridge's constructor opens ZeroMQ sockets, so the bridges
here are made without it."""

from __future__ import annotations

import json
import math
import pickle
import traceback
import types

import numpy as np
import pytest

from autograde.trust_boundary.bridge import codec, trusted_side
from autograde.trust_boundary.bridge.candidate_side import MIME, CandidateBridge
from autograde.trust_boundary.bridge.trusted_side import (
    CONTROL_FLOW,
    MAX_MESSAGE_CHARS,
    TRUSTED_MODULES,
    Bridge,
    Candidate,
    CandidateError,
    CandidateRaised,
    CandidateTimeout,
    TrustedRunner,
    _shown,
)


def _bridge() -> Bridge:
    bridge = Bridge.__new__(Bridge)  # no kernel client: only decoding is used
    bridge._exceptions = {}
    bridge.deadline = float("inf")
    bridge.on_send = lambda: None
    return bridge


class Loopback(Bridge):
    """The trusted side's Bridge, answered in-process by the candidate side's CandidateBridge."""

    def __init__(self, candidate_namespace: dict):
        self._exceptions = {}
        self.deadline = float("inf")
        self.on_send = lambda: None
        self.sent: list[dict] = []
        self._replies: list[dict] = []
        self.candidate = CandidateBridge(candidate_namespace, codec, self._replies.append)

    def request(self, op, **fields):
        if op in ("call", "setattr", "getitem"):  # as Bridge.request does before data goes to candidate code
            self.on_send()
        self.sent.append({"op": op, **fields})
        self.candidate.serve(json.dumps({"op": op, **fields}))
        return self._decode_reply(self._replies.pop()[MIME])


# One audit for the whole module: sys.addaudithook cannot be undone, so each HiddenLabelAudit made
# stays hooked for the rest of the test session.
AUDIT = trusted_side.HiddenLabelAudit()


def _runner(candidate_namespace: dict) -> TrustedRunner:
    runner = TrustedRunner.__new__(TrustedRunner)  # its constructor connects to a kernel
    runner.bridge = Loopback(candidate_namespace)
    runner.namespace = trusted_side.TestNamespace(runner.bridge)
    runner.source = ""
    runner.audit = AUDIT
    runner.bridge.on_send = AUDIT.sent
    return runner


def _run(runner: TrustedRunner, source: str) -> None:
    runner.load(source)
    runner.run(30, "test_unit")


# --- references and modules ------------------------------------------------------------------------


def test_a_reference_becomes_a_handle():
    """Does `{"$": "ref", "id": n}` come back as a handle to object n, wherever it sits in the reply?"""
    value = _bridge()._decode_reply(json.dumps({"$": "list", "v": [1, {"$": "ref", "id": 5}]}))
    assert value[0] == 1 and isinstance(value[1], Candidate)
    assert value[1]._id == 5 and repr(value[1]) == "<candidate object>"


@pytest.mark.parametrize("name", sorted(["numpy", "numpy.random", "pandas", "math", "json", "collections"]))
def test_a_trusted_module_name_becomes_this_kernels_module(name):
    """Does a module descriptor naming a module on TRUSTED_MODULES come back as this kernel's own import?"""
    import importlib

    assert name in TRUSTED_MODULES
    value = _bridge()._decode_reply(json.dumps({"$": "module", "name": name, "id": 1}))
    assert value is importlib.import_module(name)


@pytest.mark.parametrize(
    "name",
    [
        "os",
        "sys",
        "subprocess",
        "builtins",
        "importlib",
        "pickle",
        "shutil",
        "ctypes",  # not on the list
        "numpy.core",
        "numpy.random.mtrand",
        "sklearn.utils",
        "pandas.io",  # below a trusted name: no prefix match
        "numpy.linalg.norm",
        "os.path",
        "Numpy",
        " numpy",
        "numpy ",
        "",  # no attribute paths, exact spelling
    ],
)
def test_a_module_not_on_the_trusted_list_comes_back_as_a_handle(name):
    """Does a reply that claims to be a module not on the trusted list come back as a handle, never as the module?"""
    value = _bridge()._decode_reply(json.dumps({"$": "module", "name": name, "id": 9}))
    assert isinstance(value, Candidate) and value._id == 9


def test_the_trusted_list_holds_no_module_that_reaches_the_system():
    """Does TRUSTED_MODULES leave out modules that run commands, load code or touch the interpreter?"""
    dangerous = {
        "os",
        "sys",
        "subprocess",
        "builtins",
        "importlib",
        "pickle",
        "shutil",
        "ctypes",
        "socket",
        "marshal",
        "code",
        "runpy",
        "io",
        "inspect",
        "gc",
        "types",
        "multiprocessing",
        "joblib",
        "dill",
    }
    assert not dangerous & TRUSTED_MODULES


@pytest.mark.parametrize(
    "descriptor",
    [
        {"$": "ref", "id": 1, "name": "numpy"},  # a ref with a name
        {"$": "ref", "id": 1, "path": "__class__.__init__"},  # an attribute path to walk
        {"$": "module", "name": "numpy", "id": 1, "attr": "load"},  # a module plus an attribute
        {"$": "module", "name": "numpy"},  # a module without a number
        {"$": "ref"},
        {"$": "ref", "id": "1"},
        {"$": "ref", "id": 1.0},
        {"$": "ref", "id": True},
        {"$": "ref", "id": None},
        {"$": "module", "name": "numpy", "id": [1]},
    ],
    ids=json.dumps,
)
def test_descriptors_with_anything_more_or_other_than_a_number_are_refused(descriptor):
    """Is a reference holding anything but a whole number (and, for a module, its name) refused as not data?"""
    with pytest.raises(CandidateError, match="not data"):
        _bridge()._decode_reply(json.dumps(descriptor))


def test_replies_that_are_not_data_are_refused():
    """Is a reply that is valid JSON but not codec output (a bare list, an unknown tag) refused as not data?"""
    for text in ("[1, 2]", json.dumps({"$": "eval", "v": "__import__('os')"}), json.dumps({"a": 1})):
        with pytest.raises(CandidateError):
            _bridge()._decode_reply(text)


def test_a_reply_that_is_not_json_or_too_long_is_refused_not_read_as_none(monkeypatch):
    """Fail closed: is an answer that is not JSON, empty or over the byte cap refused, rather than
    read as the candidate's None?"""
    for text in ("{not json", "", "nul"):
        with pytest.raises(CandidateError, match="not JSON"):
            _bridge()._decode_reply(text)
    monkeypatch.setattr(trusted_side, "MAX_REPLY_BYTES", 10)
    with pytest.raises(CandidateError, match="more than 10 bytes"):
        _bridge()._decode_reply(json.dumps(list(range(40))))
    assert _bridge()._decode_reply("null") is None  # a real None still crosses


@pytest.mark.parametrize("types_field", [None, 5, "ValueError", {"a": 1}])
def test_a_malformed_exception_reply_is_the_candidates_error_not_a_real_one(types_field):
    """Does a `raise` reply with a malformed type list surface as a CandidateError, never as a genuine
    TypeError of the trusted side that a test's `except TypeError` would catch?"""
    with pytest.raises(CandidateError) as raised:
        _bridge()._decode_reply(json.dumps({"$": "raise", "types": types_field, "message": "x"}))
    assert not isinstance(raised.value, TypeError)


# --- end to end through the candidate side -------------------------------------------------------------


def test_a_fake_module_named_numpy_gives_the_test_the_real_numpy():
    """Does a candidate module object that says it is numpy reach the test as this kernel's numpy, so
    nothing the candidate put on it runs in the test?"""
    fake = types.ModuleType("numpy")
    fake.allclose = lambda *a, **k: True
    bridge = Loopback({"np": fake})
    assert bridge.lookup("np") is np
    assert bridge.lookup("np").allclose is np.allclose


def test_a_candidate_module_not_trusted_stays_in_the_candidates_kernel():
    """Does a candidate's `os` reach the test as a handle, whose calls run in the candidate's kernel?"""
    import os

    bridge = Loopback({"os": os})
    handle = bridge.lookup("os")
    assert isinstance(handle, Candidate)
    assert handle.getcwd() == os.getcwd()  # asked of the candidate side, answered as data
    assert bridge.sent[-1]["op"] == "call"


def test_objects_that_claim_a_trusted_type_come_back_as_handles():
    """Does a candidate object whose class claims numpy's module and name, or an int subclass that
    equals everything, come back as a handle, never as a numpy array or a number?"""

    class ndarray:
        pass

    ndarray.__module__ = "numpy"

    class Always(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    bridge = Loopback({"fake": ndarray(), "always": Always(1)})
    assert isinstance(bridge.lookup("fake"), Candidate)
    always = bridge.lookup("always")
    assert isinstance(always, Candidate) and not isinstance(always, int)


def test_data_the_candidate_returns_is_decoded_here():
    """Does a candidate function's return value reach the test as a real value of this kernel?"""
    bridge = Loopback({"scale": lambda xs, k=1: np.asarray(xs, dtype=float) * k})
    result = bridge.lookup("scale")([1, 2], k=3)
    assert type(result) is np.ndarray and result.tolist() == [3.0, 6.0]


def test_handle_probes_for_protocols_stay_local():
    """Do the dunder probes that numpy, pandas and pickle make on a handle fail here without asking the
    candidate's kernel, so candidate code cannot answer them?"""
    bridge = Loopback({"model": object()})
    handle = bridge.lookup("model")
    sent = len(bridge.sent)
    assert not hasattr(handle, "__array_interface__")
    with pytest.raises(TypeError):
        np.asarray(handle)
    with pytest.raises(TypeError):
        pickle.dumps(handle)
    assert len(bridge.sent) == sent


def test_only_data_and_handles_can_be_sent_to_candidate_code():
    """Does the trusted side refuse to pass anything but data and candidate handles (a function, a module,
    an object of this kernel) to candidate code?"""
    bridge = _bridge()
    handle = Candidate(bridge, 4)
    assert bridge.encode([1, handle]) == {"$": "list", "v": [1, {"$": "ref", "id": 4}]}
    for local in (print, np, object(), lambda: 1, type):
        with pytest.raises(TypeError, match="only data and candidate objects"):
            bridge.encode({"x": local})


# --- exceptions ------------------------------------------------------------------------------------------


def _raised(types_, message="why"):
    return _bridge()._exception({"$": "raise", "types": types_, "message": message})


def test_a_candidate_exception_keeps_its_builtin_base_and_message():
    """Does a ValueError raised by candidate code reach the test as a ValueError (and a CandidateError),
    with its message?"""
    exc = _raised(["ValueError", "Exception", "BaseException", "object"], "bad shape")
    assert isinstance(exc, ValueError) and isinstance(exc, CandidateError) and str(exc) == "bad shape"
    assert type(exc).__name__ == "ValueError" and type(exc).__module__ == "candidate"


@pytest.mark.parametrize("name", sorted(CONTROL_FLOW))
def test_control_flow_exceptions_are_not_recreated(name):
    """Is an exception type named StopIteration (or StopAsyncIteration) re-created as a CandidateError only,
    so that it cannot end a loop or a generator of the test early?"""
    exc = _raised([name, "Exception", "BaseException", "object"])
    assert isinstance(exc, CandidateError)
    assert not isinstance(exc, (StopIteration, StopAsyncIteration))


@pytest.mark.parametrize("name", ["SystemExit", "GeneratorExit"])
def test_exceptions_that_stop_an_interpreter_are_not_recreated(name):
    """Is a SystemExit or GeneratorExit from candidate code re-created as an ordinary CandidateError?"""
    exc = _raised([name, "BaseException", "object"])
    assert isinstance(exc, CandidateError) and not isinstance(exc, (SystemExit, GeneratorExit))


def test_an_interrupt_reads_as_the_cells_timeout():
    """Does a KeyboardInterrupt in candidate code (the grader's interrupt) reach the test as CandidateTimeout?"""
    assert isinstance(_raised(["KeyboardInterrupt", "BaseException", "object"]), CandidateTimeout)


def test_exception_names_and_messages_are_bounded():
    """Are type names cut at 100 characters, at most 20 names read, and messages cut at 4000 characters?"""
    exc = _raised(["E" * 500] + ["ValueError"] * 19 + ["KeyError"], "m" * 10_000)
    assert type(exc).__name__ == "E" * 100 and len(str(exc)) == 4000
    assert isinstance(exc, ValueError) and not isinstance(exc, KeyError)  # the 21st name is not read


def test_the_same_candidate_exception_type_is_one_class():
    """Do two raises of the same candidate exception type give instances of one class (so `except` on the
    first one's type catches the second)?"""
    bridge = _bridge()
    names = ["MyError", "ValueError", "Exception", "BaseException", "object"]
    first = bridge._exception({"types": names, "message": "1"})
    second = bridge._exception({"types": names, "message": "2"})
    assert type(first) is type(second)


# --- the test's namespace ---------------------------------------------------------------------------------


def test_builtins_and_the_tests_own_names_win_over_the_candidates():
    """Do `len`, `sorted`, `all` in a test mean the builtins, and a name the test defined mean its own,
    whatever the candidate defined under those names?"""
    cheat = {"len": lambda x: 99, "sorted": lambda x: [0], "all": lambda x: True, "expected": 1, "fit": lambda: 2}
    runner = _runner(cheat)
    _run(
        runner,
        "expected = 2\nassert len([1, 2]) == 2\nassert sorted([2, 1]) == [1, 2]\n"
        "assert not all([False])\nassert fit() == expected",
    )
    assert [r["name"] for r in runner.bridge.sent if r["op"] == "lookup"] == ["fit"]


def test_dunder_names_are_never_looked_up_in_the_candidates_kernel():
    """Does a dunder name the test did not define raise KeyError here, not resolve to the candidate's value?"""
    namespace = trusted_side.TestNamespace(Loopback({"__loader__": "candidate's", "__spec__": 1}))
    for name in ("__loader__", "__spec__"):
        with pytest.raises(KeyError):
            namespace[name]
    assert namespace.bridge.sent == []


def test_names_lost_in_a_restart_never_resolve_to_the_candidates():
    """After a restart of the test kernel, do names that earlier tests defined (variables, functions,
    classes) stay undefined even though the candidate has them, while their imports are made again?"""
    runner = _runner({"reference": 3, "check": lambda: True, "Helper": 1, "inside": 5})
    runner.after_restart(
        ["import math\nreference = 2\ndef check():\n    inside = 1\n    return inside\nclass Helper:\n    pass\n"]
    )
    assert runner.namespace["math"] is math
    for name in ("reference", "check", "Helper"):
        with pytest.raises(KeyError):
            runner.namespace[name]
    assert runner.namespace["inside"] == 5  # a function's local is not a module-level name


# --- what a test's failure shows ----------------------------------------------------------------------------


def test_a_passing_test_runs_to_its_end():
    """Does a test whose assertions hold about candidate code return without raising?"""
    _run(_runner({"add": lambda a, b: a + b}), "assert add(1, 2) == 3")


def test_a_wrong_answer_fails_the_tests_assertion():
    """Does a test whose assertion does not hold raise AssertionError with the test's own message?"""
    with pytest.raises(AssertionError, match="expected 3"):
        _run(_runner({"add": lambda a, b: a - b}), "assert add(1, 2) == 3, 'expected 3'")


def test_an_uncaught_candidate_exception_is_shown_without_its_message():
    """Does an exception from candidate code that the test does not catch fail the test without its message
    (it may echo hidden inputs)?"""

    def leak(x):
        raise ValueError(f"hidden input was {x}")

    with pytest.raises(CandidateRaised) as raised:
        _run(_runner({"fit": leak}), "fit(400000 + 24242)")
    assert "ValueError" in str(raised.value)
    assert "424242" not in "".join(traceback.format_exception(raised.value))  # nor in a chained exception


def test_a_test_may_catch_the_candidates_exception():
    """Can a test that expects candidate code to raise ValueError catch it as a ValueError, message included?"""

    def strict(x):
        raise ValueError("negative input")

    source = (
        "try:\n    fit(-1)\n"
        "except ValueError as exc:\n    assert 'negative' in str(exc)\n"
        "else:\n    raise AssertionError('fit accepted -1')"
    )
    _run(_runner({"fit": strict}), source)


def test_a_candidate_stop_iteration_cannot_end_a_tests_loop_early():
    """Does candidate code raising StopIteration inside a test's iteration fail the test rather than quietly
    end the loop and skip its assertions?"""

    def predict(n):
        raise StopIteration

    source = (
        "class Checks:\n"
        "    def __init__(self):\n        self.n = 0\n"
        "    def __iter__(self):\n        return self\n"
        "    def __next__(self):\n"
        "        self.n += 1\n"
        "        if self.n > 3:\n            raise StopIteration\n"
        "        return predict(self.n)\n"
        "for value in Checks():\n"
        "    assert value == -1, 'never true'\n"
    )
    with pytest.raises(CandidateRaised):
        _run(_runner({"predict": predict}), source)


def test_a_long_failure_message_is_cut():
    """Is a test's failure message longer than MAX_MESSAGE_CHARS cut to that length, and a shorter one kept?"""
    with pytest.raises(AssertionError) as raised:
        _run(_runner({}), "assert False, 'x' * 1000")
    assert str(raised.value) == "x" * MAX_MESSAGE_CHARS + " [cut]"
    with pytest.raises(AssertionError) as raised:
        _run(_runner({}), f"assert False, 'y' * {MAX_MESSAGE_CHARS}")
    assert str(raised.value) == "y" * MAX_MESSAGE_CHARS


def test_a_cut_message_of_an_unusual_exception_becomes_an_assertion_error():
    """When the test's exception type cannot be rebuilt from a message, is the cut message kept anyway,
    as an AssertionError, with no chained exception?"""

    class TwoArgs(Exception):
        def __init__(self, a, b):
            super().__init__(a + b)

    try:
        try:
            raise KeyError("candidate detail")
        except KeyError:
            raise TwoArgs("a" * 200, "b" * 200) from None
    except TwoArgs as exc:
        shown = _shown(exc)
    assert type(shown) is AssertionError and str(shown) == ("a" * 200 + "b" * 100) + " [cut]"
    assert shown.__cause__ is None and shown.__context__ is None


# --- grader-only labels ---------------------------------------------------------------------------------------


def test_reading_hidden_labels_then_calling_the_candidate_is_noted(tmp_path):
    """Does a test that reads a labels file under hidden/ and then sends data to candidate code say `gave`,
    one that only reads it say `read`, and one that reads other files say nothing?"""
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "holdout_labels.csv").write_text("y\n1\n")
    (tmp_path / "hidden" / "holdout_features.csv").write_text("x\n1\n")
    (tmp_path / "labels.csv").write_text("y\n1\n")
    candidate = {"predict": lambda rows: [1] * len(rows)}
    labels, features, public = (
        str(tmp_path / "hidden" / "holdout_labels.csv"),
        str(tmp_path / "hidden" / "holdout_features.csv"),
        str(tmp_path / "labels.csv"),
    )

    _run(_runner(candidate), f"y = open({labels!r}).read()\nassert predict([1, 2]) == [1, 1]")
    assert AUDIT.outcome() == "gave"
    _run(_runner(candidate), f"y = open({labels!r}).read()")
    assert AUDIT.outcome() == "read"
    _run(_runner(candidate), f"x = open({features!r}).read()\ny = open({public!r}).read()\nassert predict(x)")
    assert AUDIT.outcome() == ""
    _run(_runner(candidate), f"assert predict([1])\ny = open({labels!r}).read()")  # sent before reading
    assert AUDIT.outcome() == "read"


def test_a_tests_own_failure_carries_no_chained_candidate_exception():
    """When a test fails while handling the candidate's exception (its message may hold hidden inputs), does the
    failure shown carry no chained exception, however short its own message?"""
    try:
        try:
            raise _raised(["ValueError", "Exception"], "hidden input was 424242")
        except ValueError:
            raise AssertionError("fit should not raise")  # noqa: B904 (as a test cell would write it)
    except AssertionError as exc:
        assert exc.__context__ is not None
        shown = _shown(exc)
    assert str(shown) == "fit should not raise"
    assert shown.__cause__ is None and shown.__context__ is None
    assert "424242" not in "".join(traceback.format_exception(shown))


class _Shell:
    """What plain_traceback needs of IPython's shell: where the traceback goes."""

    def _showtraceback(self, etype, value, stb):
        self.shown = (etype, str(value), stb)


def test_a_failing_test_shows_its_own_lines_and_message_never_grader_frames_or_paths():
    """Does the traceback a failed test leaves in feedback name the test's failing line and its
    message, without the runner's frames, the kit's file paths or the test's source?"""

    def runner_frame():  # stands for TrustedRunner.run, a frame of the grader's own file
        exec(compile("x = 1\nassert x == 2, 'x should be 2'\n", "<test test_x>", "exec"), {})

    try:
        runner_frame()
    except AssertionError as exc:
        shell = _Shell()
        stb = trusted_side.plain_traceback(shell, type(exc), exc, exc.__traceback__)
    text = "\n".join(stb)
    assert shell.shown[2] == stb
    assert '"<test test_x>", line 2' in text and text.endswith("AssertionError: x should be 2")
    assert "runner_frame" not in text and ".py" not in text and "assert x == 2" not in text
