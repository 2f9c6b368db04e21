"""`json.dumps(data, indent=1, sort_keys=True)` in a fraction of the time, and floats as text.

The json module uses its C encoder only when no indent is asked for; with one, it encodes in
pure Python, about 5 ms for the summary.json of one baseline run (700 small dicts of numbers).
`indented_json` writes the same text: it lays out the nesting itself and writes the innermost
dicts (those holding only scalars) a template per set of keys, filled a key at a time.

Most of what is left is `repr` of floats (about half a microsecond each), and the files of a
result repeat their numbers: with one replication the mean and the percentiles of a KPI or a
bin are one number, and many values are 0.0. `float_texts` formats each distinct number once.

Example::

    indented_json({"b": [1, 2.5], "a": {"x": None}})  # json.dumps(..., indent=1, sort_keys=True)
    float_texts(np.array([0.5, np.nan, 0.5]), {"nan": ""})  # ['0.5', '', '0.5']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from typing import Any

import numpy as np

_SCALARS = frozenset((str, int, float, bool, type(None)))
"""Types of the values of a dict written by a template (not subclasses: those may be
containers, or not JSON at all)."""

JSON_NONFINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
"""What json writes for the floats whose repr is on the left."""


def float_texts(values: np.ndarray, special: Mapping[str, str] | None = None) -> list[str]:
    """`repr` of each float of `values` (flattened in C order), a text that is a key of
    `special` (`'nan'`, `'inf'`, `'-inf'`) replaced by its value; each distinct number is
    formatted once. Numbers are told apart by their bits, so 0.0 and -0.0 keep their text."""
    bits = np.ascontiguousarray(values, dtype=float).reshape(-1).view(np.int64)
    distinct = np.unique(bits)  # sorted, so each number's place is found by a binary search
    numbers = distinct.view(np.float64)
    texts = np.array(list(map(float.__repr__, numbers.tolist())), dtype=object)
    for i in np.flatnonzero(~np.isfinite(numbers)).tolist():
        texts[i] = (special or {}).get(texts[i], texts[i])
    return texts[np.searchsorted(distinct, bits)].tolist()


Places = dict[tuple[str, tuple], list[int]]
"""Where `_layout` left dicts of scalars in its parts, by their line break and keys."""


def indented_json(data: Any) -> str:
    """The text of `json.dumps(data, indent=1, sort_keys=True)`."""
    parts: list[Any] = []
    places: Places = {}
    try:
        _layout(data, "\n", parts, places)
        for (newline, keys), at in places.items():
            for i, text in zip(at, _flat_dicts([parts[i] for i in at], keys, newline),
                               strict=True):
                parts[i] = text
    except (TypeError, RecursionError):  # not plain JSON: let the json module say why
        return json.dumps(data, indent=1, sort_keys=True)
    return "".join(parts)


def _layout(value: Any, newline: str, parts: list[Any], places: Places) -> None:
    """Append the text of `value` to `parts`, its line breaks followed by `newline`'s indent;
    a non-empty dict of scalars is appended as it is, its place noted in `places`."""
    if type(value) is dict and value and _SCALARS.issuperset(map(type, value.values())):
        places.setdefault((newline, tuple(value)), []).append(len(parts))
        parts.append(value)
        return
    if isinstance(value, dict) and value:
        items: Any = ((encode_basestring_ascii(key) + ": ", value[key]) for key in sorted(value))
        brackets = "{}"
    elif isinstance(value, (list, tuple)) and value:
        items = (("", item) for item in value)
        brackets = "[]"
    else:
        parts.append(json.dumps(value))
        return
    inner = newline + " "
    separator = brackets[0] + inner
    for label, item in items:
        parts.append(separator + label)
        _layout(item, inner, parts, places)
        separator = "," + inner
    parts.append(newline + brackets[1])


def _flat_dicts(dicts: list[dict], keys: tuple, newline: str) -> list[str]:
    """Text of non-empty dicts of scalars with the same `keys`, items one a line indented one
    more than `newline`: one %-template of the keys' text, filled with each dict's values'
    texts, made a key at a time for all the dicts (see `_column_texts`)."""
    if not all(isinstance(key, str) for key in keys):
        # keys 1, 1.0 and True are one key to a dict but not the same text in JSON
        return [_alike_dicts([d], newline)[0] for d in dicts]
    return _alike_dicts(dicts, newline)


def _alike_dicts(dicts: list[dict], newline: str) -> list[str]:
    """Text of non-empty dicts of scalars that have the same keys, written as json would."""
    keys = sorted(dicts[0])
    inner = newline + " "
    items = [_key_text(key).replace("%", "%%") + ": %s" for key in keys]
    template = "{" + inner + ("," + inner).join(items) + newline + "}"
    columns = _column_texts([list(map(itemgetter(key), dicts)) for key in keys])
    return list(map(template.__mod__, zip(*columns, strict=True)))


def _key_text(key: Any) -> str:
    """A dict key as json writes it: quoted, numbers, booleans and None as their JSON text."""
    if isinstance(key, str):
        return encode_basestring_ascii(key)
    if key is None or isinstance(key, (int, float)):
        return encode_basestring_ascii(json.dumps(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


_FLOATS = frozenset((float, type(None)))
"""Types of the values of a column written by `float_texts` (None as NaN, then as null)."""


def _column_texts(columns: list[list]) -> list[list[str]]:
    """JSON text of each scalar (of the exact types in _SCALARS) of equally long columns.

    The columns of floats (Nones among them) go through one `float_texts` together, so a
    number repeated across them (a mean and its percentiles) is formatted once; columns of
    ints are written in bulk too, and any other one value by value.
    """
    kinds = [set(map(type, column)) for column in columns]
    floats = [column for column, kind in zip(columns, kinds, strict=True) if kind <= _FLOATS]
    n = len(columns[0])
    numbers = np.array(floats, dtype=float).reshape(len(floats), n)  # None as NaN
    float_text = float_texts(numbers, JSON_NONFINITE)
    for row, i in zip(*np.nonzero(np.isnan(numbers)), strict=True):
        if floats[row][i] is None:
            float_text[row * n + i] = "null"
    float_rows = iter([float_text[row * n: (row + 1) * n] for row in range(len(floats))])
    out = []
    for column, kind in zip(columns, kinds, strict=True):
        if kind <= _FLOATS:
            texts = next(float_rows)
        elif kind == {int}:
            texts = list(map(int.__repr__, column))
        else:
            texts = list(map(json.dumps, column))
        out.append(texts)
    return out
