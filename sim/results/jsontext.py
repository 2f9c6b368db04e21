"""`json.dumps(data, indent=1, sort_keys=True)` in a fraction of the time.

The json module uses its C encoder only when no indent is asked for; with one, it encodes in
pure Python, about 5 ms for the summary.json of one baseline run (700 small dicts of numbers).
`indented_json` writes the same text: it lays out the nesting itself and has the C encoder
write the innermost dicts (those holding only scalars), all of one depth in one call.

Example::

    indented_json({"b": [1, 2.5], "a": {"x": None}})  # json.dumps(..., indent=1, sort_keys=True)
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

_SCALARS = frozenset((str, int, float, bool, type(None)))
"""Types of the values of a dict the C encoder writes in one go (not subclasses: those may
be containers, or not JSON at all)."""


def indented_json(data: Any) -> str:
    """The text of `json.dumps(data, indent=1, sort_keys=True)`."""
    parts: list[str] = []
    flat: dict[str, list[tuple[int, dict]]] = {}
    try:
        _layout(data, "\n", parts, flat)
        for newline, items in flat.items():
            texts = _flat_dicts([d for _, d in items], newline)
            for (at, _), text in zip(items, texts, strict=True):
                parts[at] = text
    except (TypeError, RecursionError):  # not plain JSON: let the json module say why
        return json.dumps(data, indent=1, sort_keys=True)
    return "".join(parts)


def _layout(value: Any, newline: str, parts: list[str],
            flat: dict[str, list[tuple[int, dict]]]) -> None:
    """Append the text of `value` to `parts`, its line breaks followed by `newline`'s indent;
    for a non-empty dict of scalars, a place to fill, noted in `flat` under `newline`."""
    if isinstance(value, dict) and value:
        if _SCALARS.issuperset(map(type, value.values())):
            flat.setdefault(newline, []).append((len(parts), value))
            parts.append("")
            return
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
        _layout(item, inner, parts, flat)
        separator = "," + inner
    parts.append(newline + brackets[1])


def _flat_dicts(dicts: list[dict], newline: str) -> list[str]:
    """Text of non-empty dicts of scalars, items one a line indented one more than `newline`,
    from one C-encoder call for all: the list's items are split apart where a `}` ends an
    item (no scalar's text ends so, and no string's holds a line break)."""
    separator = "," + newline + " "
    text = json.dumps(dicts, sort_keys=True, separators=(separator, ": "))
    bodies = text[2:-2].split("}" + separator + "{")
    return ["{" + newline + " " + body + newline + "}" for body in bodies]
