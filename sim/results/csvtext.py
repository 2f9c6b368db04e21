"""CSV text made by numpy in bulk: fields as NUL-padded byte matrices, joined and stripped.

A CSV of a few hundred thousand rows is too slow to format a row at a time in Python (and
numpy's own float-to-str cast is slower still), so text is made here as uint8 matrices, one
row of bytes per CSV row, each field padded with NUL bytes: the matrices of a row's fields
are laid side by side and every NUL dropped in one pass. CSV text never contains NUL, so
what is left is exactly the fields' text. Dropping costs most per run of NULs, so fields
keep their NULs at their edges: with the prefix right-justified and the rest left-justified
a row has just two runs of text.

Numbers rounded to 6 decimals are written 3 or 4 digits at a time from a lookup table and
give the same text as `str(round(x, 6) + 0.0)` (Python's shortest round-trip repr, which is
what numpy's `astype(str)` gives too): the few values outside the range where that text is
plain `digits.digits` (negative, 0 < |x| < 1e-4, |x| >= 1e8, NaN, inf) are formatted by numpy.

Example::

    names = text_matrix(["a,", "bb,"])                   # (2, 3) uint8
    values = rounded_lines(np.array([1.5, 2.0000004]))  # b"1.5\\n", b"2.0\\n", NUL-padded
    join_fields(names, values).tobytes()                 # b"a,1.5\\nbb,2.0\\n"
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DECIMALS = 6
"""Decimals `rounded_lines` rounds to."""

_SCALE = 10**DECIMALS
_WHOLE_LIMIT = 10**8
"""Whole parts written from the table: below 1e8, two groups of 4 digits. With the 6 decimals
that is at most 14 significant digits, and every decimal of up to 15 comes back from the
nearest double unchanged, so the rounded decimal is that double's shortest repr."""


def _group_texts() -> dict[str, list[str]]:
    """The text of each group of digits, by kind, each exactly 4 characters, NUL-padded
    at the end where the line's text ends and at the start elsewhere."""

    def digits(n: int, width: int) -> str:
        return f"{n:0{width}d}"

    def point_end(n: int) -> str:  # decimals 1-3 ending the line: ".5\n", ".25\n"
        text = "." + (digits(n, 3).rstrip("0") or "0") + "\n"
        return text.ljust(4, "\0") if len(text) <= 4 else "\0" * 4  # (never used)

    return {
        "lead": [digits(n, 4).lstrip("0").rjust(4, "\0") for n in range(10_000)],
        "lead_keep": [(digits(n, 4).lstrip("0") or "0").rjust(4, "\0") for n in range(10_000)],
        "full": [digits(n, 4) for n in range(10_000)],
        "point": ["." + digits(n, 3) for n in range(1000)],
        "point_end": [point_end(n) for n in range(1000)],
        "last": [(digits(n, 3).rstrip("0") + "\n").ljust(4, "\0") for n in range(1000)],
        "nothing": ["\0" * 4 for _ in range(1000)],
    }


def _group_table() -> tuple[np.ndarray, dict[str, np.uint32]]:
    """All group texts as one uint32 array (4 bytes each), and where each kind starts."""
    texts = _group_texts()
    offsets: dict[str, np.uint32] = {}
    start = 0
    for kind, rows in texts.items():
        offsets[kind] = np.uint32(start)
        start += len(rows)
    table = np.frombuffer("".join("".join(rows) for rows in texts.values()).encode("ascii"),
                          dtype=np.uint8)
    return table.view(np.uint32).copy(), offsets


_TABLE, _AT = _group_table()


def text_matrix(texts: Sequence[str], right: bool = False) -> np.ndarray:
    """UTF-8 text of each string as a row of a uint8 matrix, NUL-padded to the longest at the
    end (at the start if `right`)."""
    encoded = [t.encode("utf-8") for t in texts]
    width = max((len(b) for b in encoded), default=0)
    pad = bytes.rjust if right else bytes.ljust
    joined = bytearray(b"".join(pad(b, width, b"\0") for b in encoded))
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(encoded), width)


def rounded_lines(values: np.ndarray) -> np.ndarray:
    """Text of each value rounded to 6 decimals (`-0` as 0), as `str(round(x, 6) + 0.0)`
    gives it, and a line break: one row of a uint8 matrix each, NUL-padded at both ends."""
    x = np.asarray(values, dtype=float).ravel()
    scaled = np.rint(x * _SCALE)  # what np.round(x, 6) divides by 1e6
    plain = (scaled == 0) | ((scaled >= 100) & (scaled < _SCALE * _WHOLE_LIMIT))
    text = _plain_lines(np.where(plain, scaled, 0.0))
    others = np.flatnonzero(~plain)
    if others.size == 0:
        return text
    lines = [f"{s}\n" for s in (np.round(x[others], DECIMALS) + 0.0).astype(str).tolist()]
    other = text_matrix(lines)
    if other.shape[1] > text.shape[1]:
        text = np.pad(text, ((0, 0), (0, other.shape[1] - text.shape[1])))
    text[others] = 0
    text[others, :other.shape[1]] = other
    return text


def _plain_lines(scaled: np.ndarray) -> np.ndarray:
    """Text and line break of k / 1e6 for whole numbers 0 <= k < 1e14 (given as floats):
    whole part, '.', decimals (no leading or trailing zeros, at least one digit each),
    as 4 table look-ups: two 4-digit groups, then '.' with 3 digits, then 3 digits."""
    # Exact in floats: k / 1e6 is off by at most 1e-8 < 1e-6, so the floor is the whole part.
    whole = np.floor(scaled / _SCALE)
    decimals = (scaled - whole * _SCALE).astype(np.uint32)
    whole = whole.astype(np.uint32)
    high = whole // 10_000
    first = decimals // 1000
    last = decimals - first * 1000
    # The line ends in the first decimal group when the last is 0 and it has room for "\n".
    ends_first = (last == 0) & (first == (first // 10) * 10)
    words = np.empty((scaled.size, 4), dtype=np.uint32)
    words[:, 0] = _TABLE[high + _AT["lead"]]
    words[:, 1] = _TABLE[whole - high * 10_000
                         + np.where(high > 0, _AT["full"], _AT["lead_keep"])]
    words[:, 2] = _TABLE[first + np.where(ends_first, _AT["point_end"], _AT["point"])]
    words[:, 3] = _TABLE[last + np.where(ends_first, _AT["nothing"], _AT["last"])]
    return words.view(np.uint8).reshape(scaled.size, 16)


def join_fields(*fields: np.ndarray) -> np.ndarray:
    """Rows of text from their fields, NULs dropped: each field a NUL-padded uint8 array
    [..., width] (broadcast against the others over the leading axes), a row the bytes of
    its fields in turn, rows in C order. One flat uint8 array.

    The fields are copied into one structured array, a field of `width` bytes each, which
    numpy copies item by item rather than byte by byte.
    """
    shape = np.broadcast_shapes(*(f.shape[:-1] for f in fields))
    fields = tuple(f for f in fields if f.shape[-1] > 0)
    if not fields:
        return np.zeros(0, dtype=np.uint8)
    row = np.dtype([(f"f{i}", f"V{f.shape[-1]}") for i, f in enumerate(fields)])
    text = np.empty(shape, dtype=row)
    for i, f in enumerate(fields):
        text[f"f{i}"] = np.ascontiguousarray(f).view(row[i])[..., 0]
    return strip_nul(text.view(np.uint8))


def strip_nul(text: np.ndarray) -> np.ndarray:
    """The bytes of a uint8 array in order (C order), without its NULs: one flat array."""
    flat = text.reshape(-1)
    return flat[flat != 0]
