"""Plain data across the kernel boundary, in formats that cannot carry code.

JSON for scalars, strings and containers; .npy without pickles for arrays and
tensors; parquet for DataFrames and Series. Anything else is not data: it stays
where it lives and crosses as a reference (a number) to a handle.

This module is self-contained (stdlib, then numpy / pandas / pyarrow / torch only
when a value needs them) because its source is also sent into the candidate's
kernel, where the kit itself is not installed.
"""

import base64
import builtins
import io
import json
import math

MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
MAX_ARRAY_BYTES = 512 * 1024 * 1024


class NotData(Exception):
    """The value is not plain data (a model, a function, a generator...)."""


class Malformed(Exception):
    """What came back is not something this codec produced, or exceeds the caps."""


def _b64(raw):
    return base64.b64encode(raw).decode("ascii")


def _npy_bytes(array):
    buffer = io.BytesIO()
    import numpy as np

    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _is_torch_tensor(value):
    kind = type(value)
    return kind.__module__.startswith("torch") and kind.__name__ in ("Tensor", "Parameter")


def encode(value, on_other, depth=0):
    """JSON-ready structure for `value`; `on_other(value)` encodes what is not data."""
    if depth > MAX_DEPTH:
        raise NotData("nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if abs(value) < 2**53 else {"$": "int", "v": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is bytes:
        return {"$": "bytes", "v": _b64(value)}
    if kind is slice:  # pipe[:-1], frame.iloc[2:5]
        return {"$": "slice", "v": [encode(x, on_other, depth + 1) for x in (value.start, value.stop, value.step)]}
    if kind in (list, tuple, set, frozenset):
        if len(value) > MAX_ITEMS:
            raise NotData("too many items")
        items = sorted(value, key=repr) if kind in (set, frozenset) else value
        return {"$": kind.__name__, "v": [encode(x, on_other, depth + 1) for x in items]}
    if isinstance(value, dict):  # OrderedDict (a state_dict), defaultdict, Counter: as a dict
        if len(value) > MAX_ITEMS:
            raise NotData("too many items")
        return {
            "$": "dict",
            "v": [[encode(k, on_other, depth + 1), encode(v, on_other, depth + 1)] for k, v in value.items()],
        }
    module = kind.__module__.split(".")[0]
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray) and value.dtype != object:
            return {"$": "ndarray", "v": _b64(_npy_bytes(value))}
        if isinstance(value, np.ndarray) and value.size <= MAX_ITEMS:  # e.g. feature names: item by item
            return {"$": "objarray", "v": encode(value.tolist(), on_other, depth + 1), "shape": list(value.shape)}
        if isinstance(value, np.generic) and not isinstance(value, np.object_):
            return {"$": "npscalar", "v": _b64(_npy_bytes(np.asarray(value)))}
    if module == "pandas":
        import pandas as pd

        if isinstance(value, pd.DataFrame):
            return _encode_frame(value, on_other, depth, series_name=None)
        if isinstance(value, pd.Series):
            return _encode_frame(
                value.to_frame(name="values"), on_other, depth, series_name=[encode(value.name, on_other, depth + 1)]
            )
        if isinstance(value, pd.Index):
            return {
                "$": "index",
                "v": encode(value.tolist(), on_other, depth + 1),
                "name": encode(value.name, on_other, depth + 1),
            }
        if isinstance(value, pd.Timestamp):
            return {"$": "timestamp", "v": value.isoformat()}
    if _is_torch_tensor(value):
        tensor = value.detach().cpu()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return {"$": "tensor", "v": _b64(_npy_bytes(tensor.numpy()))}
    return on_other(value)


def _encode_frame(frame, on_other, depth, series_name):
    """Parquet wants string column names: columns travel as c0..cn, labels beside."""
    renamed = frame.copy(deep=False)
    renamed.columns = [f"c{i}" for i in range(frame.shape[1])]
    buffer = io.BytesIO()
    renamed.to_parquet(buffer, index=True)
    if series_name is not None:
        return {"$": "series", "v": _b64(buffer.getvalue()), "name": series_name}
    return {
        "$": "frame",
        "v": _b64(buffer.getvalue()),
        "columns": [encode(c, on_other, depth + 1) for c in frame.columns],
    }


def decode(data, on_ref, depth=0):
    """The value `encode` described; `on_ref(data)` turns a reference into a handle."""
    if depth > MAX_DEPTH:
        raise Malformed("nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or "$" not in data:
        raise Malformed(f"unexpected {type(data).__name__}")
    tag, v = data["$"], data.get("v")
    if tag == "int":
        return int(v)
    if tag == "float":
        return float(v)
    if tag == "bytes":
        return base64.b64decode(v)
    if tag == "slice":
        return slice(*(decode(x, on_ref, depth + 1) for x in v[:3]))
    if tag in ("list", "tuple", "set", "frozenset"):
        if len(v) > MAX_ITEMS:
            raise Malformed("too many items")
        return getattr(builtins, tag)(decode(x, on_ref, depth + 1) for x in v)
    if tag == "dict":
        if len(v) > MAX_ITEMS:
            raise Malformed("too many items")
        return {decode(k, on_ref, depth + 1): decode(x, on_ref, depth + 1) for k, x in v}
    if tag == "ndarray":
        return _load_npy(v)
    if tag == "objarray":
        import numpy as np

        shape = tuple(int(n) for n in data["shape"])
        items = _flatten(decode(v, on_ref, depth + 1), len(shape))
        if len(items) != math.prod(shape):
            raise Malformed("object array items do not match its shape")
        array = np.empty(shape, dtype=object)
        array.ravel()[:] = items
        return array
    if tag == "npscalar":
        return _load_npy(v)[()]
    if tag == "tensor":
        array = _load_npy(v)
        try:
            import torch
        except ImportError:
            return array
        return torch.from_numpy(array.copy())
    if tag in ("frame", "series"):
        return _decode_frame(data, on_ref, depth)
    if tag == "index":
        import pandas as pd

        return pd.Index(decode(v, on_ref, depth + 1), name=decode(data.get("name"), on_ref, depth + 1))
    if tag == "timestamp":
        import pandas as pd

        return pd.Timestamp(v)
    if tag in ("ref", "module"):
        return on_ref(data)
    raise Malformed(f"unknown tag {tag!r}")


def _flatten(items, depth):
    if depth <= 1:
        return list(items)
    return [x for row in items for x in _flatten(row, depth - 1)]


def _load_npy(text):
    import numpy as np

    buffer = io.BytesIO(base64.b64decode(text))
    version = np.lib.format.read_magic(buffer)
    if version not in ((1, 0), (2, 0)):
        raise Malformed(f"unsupported .npy version {version}")
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(buffer)
    if dtype.hasobject:
        raise Malformed("object arrays are not data")
    if math.prod(shape) * dtype.itemsize > MAX_ARRAY_BYTES:
        raise Malformed("array too large")
    buffer.seek(0)
    return np.load(buffer, allow_pickle=False)


def _decode_frame(data, on_ref, depth):
    import pandas as pd
    import pyarrow.parquet as pq

    raw = io.BytesIO(base64.b64decode(data["v"]))
    meta = pq.ParquetFile(raw).metadata
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > MAX_ARRAY_BYTES:
        raise Malformed("table too large")
    raw.seek(0)
    frame = pd.read_parquet(raw)
    if data["$"] == "series":
        series = frame.iloc[:, 0]
        series.name = decode(data["name"][0], on_ref, depth + 1)
        return series
    labels = [decode(c, on_ref, depth + 1) for c in data.get("columns", [])]
    if len(labels) != frame.shape[1]:
        raise Malformed("column labels do not match the table")
    if labels and all(type(c) is tuple for c in labels):
        frame.columns = pd.MultiIndex.from_tuples(labels)
    else:
        frame.columns = labels
    return frame


def dumps(value, on_other):
    return json.dumps(encode(value, on_other), allow_nan=False, separators=(",", ":"))


def loads(text, on_ref, max_bytes):
    if len(text) > max_bytes:
        raise Malformed(f"reply of {len(text)} bytes exceeds the cap of {max_bytes}")
    return decode(json.loads(text), on_ref)
