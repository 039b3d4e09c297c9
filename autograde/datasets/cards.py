"""Data cards as checks: the card people read is the contract the tests run.

Each card `datasets/<name>/README.md` holds exactly one fenced ```yaml block, its
machine-readable expectations. Per table (named after its file, without extension):

    rows: [min, max]                 duplicate_share: [min, max]   (exact duplicate rows)
    label: column                    class_shares: {class: [min, max], ...}
    columns:                         (all columns, in file order)
      name: {type: string|category|integer|number|date|datetime,
             missing: [min, max],    (share of empty cells; default [0, 0])
             values: [...],          (category: allowed values)
             pattern: regex,         (every non-empty value matches in full)
             distinct: [min, max],   (number of distinct non-empty values)
             range: [min, max]}      (numbers: every non-empty value inside)

`check_against_card` returns a list of problems; an empty list means the data agrees.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

CARDS_DIR = Path(__file__).resolve().parents[2] / "datasets"
_YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def card_path(dataset: str) -> Path:
    return CARDS_DIR / dataset / "README.md"


def load_expectations(dataset: str) -> dict:
    """The card's single yaml block, parsed."""
    blocks = _YAML_BLOCK.findall(card_path(dataset).read_text(encoding="utf-8"))
    if len(blocks) != 1:
        raise ValueError(f"{card_path(dataset)} must hold exactly one ```yaml block, found {len(blocks)}")
    return yaml.safe_load(blocks[0])


def check_file(path: Path, dataset: str) -> list[str]:
    """Read a CSV the way a candidate would (plain `pd.read_csv`) and check it."""
    return check_against_card(pd.read_csv(path), dataset, Path(path).stem)


def check_against_card(df: pd.DataFrame, dataset: str, table: str) -> list[str]:
    tables = load_expectations(dataset)["tables"]
    if table not in tables:
        return [f"the {dataset} card describes no table {table!r} (it has {sorted(tables)})"]
    spec = tables[table]
    problems = []
    if list(df.columns) != list(spec["columns"]):
        problems.append(f"columns {list(df.columns)} differ from the card's {list(spec['columns'])}")
    _check_range(problems, "rows", len(df), spec.get("rows"))
    if "duplicate_share" in spec:
        _check_range(problems, "duplicate share", float(df.duplicated().mean()), spec["duplicate_share"])
    for name, column_spec in spec["columns"].items():
        if name in df.columns:
            problems += [f"{name}: {p}" for p in _check_column(df[name], column_spec)]
    if "label" in spec:
        shares = df[spec["label"]].value_counts(normalize=True)
        for cls, bounds in spec.get("class_shares", {}).items():
            _check_range(problems, f"share of class {cls}", float(shares.get(cls, 0.0)), bounds)
    return problems


def _check_range(problems: list[str], what: str, value: float, bounds: list | None) -> None:
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        problems.append(f"{what} {value:.4g} outside the card's range [{bounds[0]}, {bounds[1]}]")


def _check_column(column: pd.Series, spec: dict) -> list[str]:
    problems: list[str] = []
    kind = spec["type"]
    _check_range(problems, "missing share", float(column.isna().mean()), spec.get("missing", [0, 0]))
    present = column.dropna()
    if present.empty:
        return problems
    if kind in ("integer", "number"):
        if not pd.api.types.is_numeric_dtype(column):
            return problems + [f"expected {kind}, got dtype {column.dtype}"]
        if kind == "integer" and not np.all(np.mod(present.to_numpy(dtype=float), 1) == 0):
            problems.append("expected integers, found fractional values")
        if "range" in spec:
            low, high = spec["range"]
            if present.min() < low or present.max() > high:
                problems.append(f"values [{present.min()}, {present.max()}] outside the card's range [{low}, {high}]")
    else:
        if not (pd.api.types.is_string_dtype(column) or column.dtype == object):
            return problems + [f"expected {kind} (text), got dtype {column.dtype}"]
        text = present.astype(str)
        if kind == "category" and "values" in spec:
            unexpected = sorted(set(text) - {str(v) for v in spec["values"]})
            if unexpected:
                problems.append(f"values outside the card's list: {unexpected[:5]}")
        fmt = {"date": _ISO_DATE, "datetime": _ISO_DATETIME}.get(kind)
        pattern = re.compile(spec["pattern"]) if "pattern" in spec else fmt
        if pattern is not None and not text.map(lambda v: pattern.fullmatch(v) is not None).all():
            problems.append(f"values not matching {pattern.pattern!r}")
    if "distinct" in spec:
        _check_range(problems, "distinct values", present.nunique(), spec["distinct"])
    return problems
