"""The bridge's codec: what crosses between the candidate's kernel and the trusted kernel as data,
what crosses only as a reference, and what the trusted side refuses to decode."""

from __future__ import annotations

import base64
import io
import json
import math
from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest

from autograde.trust_boundary.bridge import codec


def _as_handle(value):
    return {"$": "ref", "id": 7}


def _no_refs(data):
    raise AssertionError(f"no reference expected, got {data}")


def _roundtrip(value):
    return codec.loads(codec.dumps(value, _as_handle), _no_refs, max_bytes=10**9)


def _npy(array, allow_pickle=False) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --- plain data -------------------------------------------------------------------------------


def test_plain_data_comes_back_equal_and_of_the_same_types():
    """Do scalars, strings, bytes and containers (tuples, sets, frozensets, slices, dicts with
    non-string keys) come back equal and of the same Python types?"""
    value = {
        1: [None, True, False, 0, -3, 2.5, "text", b"\x00\xff"],
        (2, "k"): (1, 2),
        "set": {3, 1, 2},
        "frozen": frozenset({"a", "b"}),
        "slice": slice(1, None, -2),
        "nested": {"deeper": [[1, [2, (3,)]]]},
    }
    back = _roundtrip(value)
    assert back == value
    assert type(back[(2, "k")]) is tuple and type(back["set"]) is set and type(back["frozen"]) is frozenset
    assert type(back["slice"]) is slice and type(back[1][7]) is bytes
    assert [type(x) for x in back[1][:4]] == [type(None), bool, bool, int]  # True is not 1 after the crossing


def test_big_integers_cross_exactly():
    """Does an integer beyond float precision (2**53 and more) come back exactly, not rounded?"""
    for n in (2**53, -(2**53) - 1, 2**200 + 1):
        assert _roundtrip(n) == n and type(_roundtrip(n)) is int
    assert codec.encode(2**53 - 1, _as_handle) == 2**53 - 1  # a plain JSON number below the limit


def test_non_finite_floats_cross_as_strict_json():
    """Do NaN and the infinities come back as such, in JSON that a strict parser accepts (no NaN token)?"""
    text = codec.dumps([float("nan"), float("inf"), float("-inf"), 1.5], _as_handle)

    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")

    json.loads(text, parse_constant=refuse)
    back = codec.loads(text, _no_refs, max_bytes=10**6)
    assert math.isnan(back[0]) and back[1:] == [math.inf, -math.inf, 1.5]


def test_a_mapping_subclass_crosses_as_a_plain_dict():
    """Does an OrderedDict (a state_dict) come back as a plain dict with its items in order?"""
    back = _roundtrip(OrderedDict([("b", 1), ("a", 2)]))
    assert type(back) is dict and list(back.items()) == [("b", 1), ("a", 2)]


# --- numpy, pandas, torch ---------------------------------------------------------------------


def test_arrays_keep_dtype_shape_and_values():
    """Does a numeric array come back with its dtype, shape and values?"""
    for array in (
        np.arange(12, dtype=np.int16).reshape(3, 4),
        np.linspace(0, 1, 5, dtype=np.float32),
        np.array([[True, False]]),
        np.array(3.5),
    ):
        back = _roundtrip(array)
        assert isinstance(back, np.ndarray) and back.dtype == array.dtype and back.shape == array.shape
        np.testing.assert_array_equal(back, array)


def test_object_arrays_cross_item_by_item_with_their_shape():
    """Does an object array of plain items (feature names) come back as an object array of the same shape?"""
    array = np.array([["a", 1], [None, 2.5]], dtype=object)
    back = _roundtrip(array)
    assert back.dtype == object and back.shape == (2, 2) and back.tolist() == array.tolist()


def test_numpy_scalars_keep_their_type():
    """Does a numpy scalar (float32, int64, bool_) come back as that numpy scalar, not a Python number?"""
    for scalar in (np.float32(1.5), np.int64(-4), np.bool_(True)):
        back = _roundtrip(scalar)
        assert type(back) is type(scalar) and back == scalar


def test_frames_keep_labels_index_and_dtypes():
    """Does a DataFrame with non-string column labels and an index come back equal, labels included?"""
    frame = pd.DataFrame({0: [1, 2, 3], "name": ["a", "b", "c"], 2.5: [0.1, 0.2, 0.3]}, index=[10, 20, 30])
    back = _roundtrip(frame)
    pd.testing.assert_frame_equal(back, frame)
    assert back.columns.tolist() == [0, "name", 2.5]


def test_multiindex_columns_come_back_as_a_multiindex():
    """Do tuple column labels come back as a MultiIndex, as they left?"""
    frame = pd.DataFrame({("x", 1): [1.0, 2.0], ("y", 2): [3, 4]})
    back = _roundtrip(frame)
    assert isinstance(back.columns, pd.MultiIndex) and back.columns.tolist() == [("x", 1), ("y", 2)]
    pd.testing.assert_frame_equal(back, frame)


def test_series_index_and_timestamps_keep_their_names():
    """Do a Series (its name), an Index (its name) and a Timestamp come back as pandas objects, equal?"""
    series = pd.Series([1.5, 2.5], index=["r1", "r2"], name=("score", 1))
    pd.testing.assert_series_equal(_roundtrip(series), series)
    index = pd.Index([3, 1, 2], name="id")
    pd.testing.assert_index_equal(_roundtrip(index), index)
    assert _roundtrip(pd.Timestamp("2024-02-29 13:45")) == pd.Timestamp("2024-02-29 13:45")


def test_tensors_come_back_as_tensors_without_their_graph():
    """Does a torch tensor (a Parameter, bfloat16 included) come back as a plain tensor with its values?"""
    torch = pytest.importorskip("torch")
    parameter = torch.nn.Parameter(torch.tensor([[1.0, -2.0]]))
    back = _roundtrip(parameter)
    assert type(back) is torch.Tensor and not back.requires_grad
    assert torch.equal(back, torch.tensor([[1.0, -2.0]]))
    half = _roundtrip(torch.tensor([1.5, 2.0], dtype=torch.bfloat16))  # numpy has no bfloat16: widened
    assert half.dtype == torch.float32 and half.tolist() == [1.5, 2.0]


# --- what is not data ---------------------------------------------------------------------------


class _LooksLikeNumpy:
    """An object that claims numpy as its module."""


_LooksLikeNumpy.__module__ = "numpy"


class _EvilInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def test_what_is_not_data_goes_to_on_other():
    """Do functions, classes, modules, generators, subclasses of int or str and objects that claim to be
    numpy go to `on_other` (a handle), never encoded as data?"""
    import os

    seen = []

    def record(value):
        seen.append(value)
        return {"$": "ref", "id": len(seen)}

    others = [
        len,
        lambda: 1,
        _LooksLikeNumpy,
        _LooksLikeNumpy(),
        os,
        (x for x in ()),
        _EvilInt(3),
        type("S", (str,), {})("x"),
        object(),
    ]
    for value in others:
        assert codec.encode(value, record) == {"$": "ref", "id": len(seen)}
    assert seen == others
    assert codec.encode([1, len], record) == {"$": "list", "v": [1, {"$": "ref", "id": len(others) + 1}]}


def test_references_are_handed_to_on_ref_whole():
    """Does a `ref` or `module` descriptor go to `on_ref` as it is, wherever it sits in the value?"""
    got = []
    data = {"$": "list", "v": [{"$": "ref", "id": 3}, {"$": "module", "name": "numpy", "id": 4}]}
    assert codec.decode(data, lambda d: got.append(d) or "handle") == ["handle", "handle"]
    assert got == [{"$": "ref", "id": 3}, {"$": "module", "name": "numpy", "id": 4}]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        [1, 2],  # a bare JSON list is not what encode produces
        {"v": 1},  # a mapping without a tag
        {"$": "pickle", "v": "gASVAAAAAAAAAA=="},  # an unknown tag
        {"$": "list", "v": [{"$": "function", "v": "os.system"}]},
    ],
    ids=["bare-list", "untagged", "unknown-tag", "unknown-tag-inside"],
)
def test_unknown_shapes_are_malformed(data):
    """Is anything that encode does not produce (a bare list, an untagged mapping, an unknown tag) refused?"""
    with pytest.raises(codec.Malformed):
        codec.decode(data, _no_refs)


_TRIPPED = []


def _trip():
    _TRIPPED.append("pickle ran")
    return "tripped"


class _Tripwire:
    def __reduce__(self):
        return (_trip, ())


@pytest.mark.parametrize("tag", ["ndarray", "npscalar", "tensor"])
def test_pickled_arrays_are_refused_and_never_unpickled(tag):
    """Is an .npy holding pickled objects refused, before anything in the pickle runs?"""
    payload = _npy(np.array([_Tripwire()], dtype=object), allow_pickle=True)
    assert not _TRIPPED
    with pytest.raises(codec.Malformed, match="object arrays"):
        codec.decode({"$": tag, "v": payload}, _no_refs)
    assert not _TRIPPED


def test_an_array_header_claiming_a_huge_size_is_refused_before_reading():
    """Is an .npy whose header claims 80 GB refused from the header alone (no allocation, no data needed)?"""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": (100_000, 100_000)})
    with pytest.raises(codec.Malformed, match="too large"):
        codec.decode({"$": "ndarray", "v": base64.b64encode(buffer.getvalue()).decode()}, _no_refs)


def test_array_size_cap_is_inclusive(monkeypatch):
    """Is an array of exactly MAX_ARRAY_BYTES accepted, and one element more refused?"""
    monkeypatch.setattr(codec, "MAX_ARRAY_BYTES", 80)
    assert codec.decode({"$": "ndarray", "v": _npy(np.zeros(10))}, _no_refs).shape == (10,)
    with pytest.raises(codec.Malformed, match="too large"):
        codec.decode({"$": "ndarray", "v": _npy(np.zeros(11))}, _no_refs)


def test_unsupported_npy_versions_are_refused():
    """Is an .npy of a format version other than 1.0 or 2.0 refused?"""
    raw = base64.b64decode(_npy(np.zeros(2)))
    assert raw[6:8] == b"\x01\x00"
    forged = raw[:6] + b"\x03\x00" + raw[8:]
    with pytest.raises(codec.Malformed, match="version"):
        codec.decode({"$": "ndarray", "v": base64.b64encode(forged).decode()}, _no_refs)


def test_a_table_over_the_cap_is_refused(monkeypatch):
    """Is a DataFrame whose parquet data exceeds MAX_ARRAY_BYTES refused?"""
    data = codec.encode(pd.DataFrame({"a": np.arange(1000.0)}), _as_handle)
    assert codec.decode(data, _no_refs).shape == (1000, 1)
    monkeypatch.setattr(codec, "MAX_ARRAY_BYTES", 100)
    with pytest.raises(codec.Malformed, match="too large"):
        codec.decode(data, _no_refs)


def test_inconsistent_shapes_and_labels_are_refused():
    """Are an object array whose items do not fill its shape, and a frame whose labels do not match
    its columns, refused?"""
    objarray = codec.encode(np.array(["a", "b"], dtype=object), _as_handle)
    with pytest.raises(codec.Malformed):
        codec.decode({**objarray, "shape": [3]}, _no_refs)
    frame = codec.encode(pd.DataFrame({"a": [1], "b": [2]}), _as_handle)
    with pytest.raises(codec.Malformed):
        codec.decode({**frame, "columns": ["a"]}, _no_refs)


def _nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def test_depth_is_capped_both_ways():
    """Is nesting deeper than MAX_DEPTH refused on the way out (NotData) and on the way in (Malformed),
    while MAX_DEPTH itself crosses?"""
    assert _roundtrip(_nested(codec.MAX_DEPTH)) == _nested(codec.MAX_DEPTH)
    with pytest.raises(codec.NotData):
        codec.encode(_nested(codec.MAX_DEPTH + 1), _as_handle)
    data = {"$": "list", "v": []}
    for _ in range(codec.MAX_DEPTH + 1):
        data = {"$": "list", "v": [data]}
    with pytest.raises(codec.Malformed):
        codec.decode(data, _no_refs)


def test_item_counts_are_capped_both_ways(monkeypatch):
    """Is a container of more than MAX_ITEMS items refused on the way out and on the way in?"""
    monkeypatch.setattr(codec, "MAX_ITEMS", 3)
    assert _roundtrip([1, 2, 3]) == [1, 2, 3]
    for too_many in ([1, 2, 3, 4], {1, 2, 3, 4}, {i: i for i in range(4)}):
        with pytest.raises(codec.NotData):
            codec.encode(too_many, _as_handle)
    for too_many in ({"$": "list", "v": [1, 2, 3, 4]}, {"$": "dict", "v": [[i, i] for i in range(4)]}):
        with pytest.raises(codec.Malformed):
            codec.decode(too_many, _no_refs)


def test_a_reply_over_the_byte_cap_is_refused_before_parsing():
    """Does `loads` refuse text longer than its cap, even text that is valid?"""
    text = codec.dumps(list(range(100)), _as_handle)
    assert codec.loads(text, _no_refs, max_bytes=len(text)) == list(range(100))
    with pytest.raises(codec.Malformed, match="exceeds the cap"):
        codec.loads(text, _no_refs, max_bytes=len(text) - 1)
