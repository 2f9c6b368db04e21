"""Turning pydantic's validation errors into one plain line per problem, with positions."""

from __future__ import annotations

import decimal
import difflib
import math
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import Problem
from sim.scenario.schema import Scenario
from sim.scenario.tree import describe, key_position, value_at

_TYPE_NAMES = {"float": "a number", "int": "a whole number", "bool": "true or false",
               "date": "a date (YYYY-MM-DD)", "list": "a list", "dict": "a mapping",
               "model": "a mapping", "string": "a string", "literal": "one of"}


_PATTERNS = {
    r"^[a-z][a-z0-9_]*$": "ids are lower_snake_case (a-z, 0-9, _), starting with a letter",
    r"^([A-Z]{2}|ROW)$": "countries are ISO 3166-1 alpha-2 codes such as CN, US, KZ, or ROW",
    r"^[A-Za-z0-9_-]+$": "a name is a plain slug: letters, digits, '-' and '_'",
}


def translate(err: ValidationError, data: Any, file: str) -> list[Problem]:
    """One Problem per distinct (path, message), positioned in the file that wrote it."""
    problems: dict[tuple[str, str], Problem] = {}
    by_path: dict[str, list[dict]] = {}
    for e in err.errors():
        by_path.setdefault(str(_data_loc(data, e["loc"])[:_field_depth(data, e["loc"])]),
                           []).append(e)
    for errors in by_path.values():
        for e in _relevant(errors, data):
            loc = e["loc"]
            pos, path, _ = describe(data, loc)
            if e["type"] == "extra_forbidden":
                pos = key_position(data, _data_loc(data, loc))
            message = _message(e, loc)
            f, line, col = pos if pos else (file, 0, 0)
            problems.setdefault((path, message), Problem(f or file, line, col, path, message))
    return list(problems.values())


def _relevant(errors: list[dict], data: Any) -> list[dict]:
    """Of several errors pydantic gives for one number-or-distribution value, keep the apt one."""
    if len(errors) == 1:
        return errors
    value = value_at(data, _data_loc(data, errors[0]["loc"]))
    if isinstance(value, dict):
        kept = [e for e in errors if e["type"] not in ("float_type", "float_parsing")]
    else:
        kept = [e for e in errors if not any(isinstance(x, str) and x.startswith("tagged-union")
                                              for x in e["loc"])]
    return kept or errors[:1]


def _field_depth(data: Any, loc: tuple) -> int:
    """Length of the loc prefix naming the scenario field (stops at a distribution mapping)."""
    node, depth = data, 0
    for element in _data_loc(data, loc):
        if isinstance(node, dict) and "dist" in node:
            break
        try:
            node = node[element]
        except (KeyError, IndexError, TypeError):
            return depth + 1
        depth += 1
    return depth


def _data_loc(data: Any, loc: tuple) -> tuple:
    """The part of a pydantic loc that exists in the data (union tags dropped)."""
    out: list = []
    node = data
    for element in loc:
        if isinstance(node, dict) and element in node:
            node = node[element]
            out.append(element)
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            node = node[element]
            out.append(element)
        elif isinstance(node, dict) and element in (node.get("kind"), node.get("dist")):
            continue
        elif isinstance(node, (dict, list)) and not _is_tag(element):
            out.append(element)
            break
    return tuple(out)


def _is_tag(element: Any) -> bool:
    return isinstance(element, str) and (
        element.startswith(("tagged-union", "function-", "constrained-"))
        or element in ("float", "int", "str"))


def _message(e: dict, loc: tuple) -> str:
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    shown = _show(value)
    if kind == "extra_forbidden":
        key = loc[-1]
        close = difflib.get_close_matches(str(key), sorted(_valid_keys(loc[:-1])), n=1,
                                          cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "finite_number":
        return f"{shown} is not a finite number"
    if value is None and kind.endswith(("_type", "_parsing")):
        expected = next((name for prefix, name in _TYPE_NAMES.items()
                         if kind.startswith(prefix)), "a value")
        return f"no value given (expected {expected})"
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
              "less_than": "<"}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        return f"{shown} must be {bounds[kind]} {_show(limit)}"
    if kind == "string_pattern_mismatch":
        rule = _PATTERNS.get(ctx.get("pattern", ""), f"must match {ctx.get('pattern')}")
        return f"{shown} is not valid: {rule}"
    if kind == "literal_error":
        return f"{shown} is not allowed (expected {ctx.get('expected')})"
    if kind == "union_tag_invalid":
        return f"unknown {ctx.get('discriminator', '').strip(chr(39))} '{ctx.get('tag')}' " \
               f"(expected one of {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        return f"needs a '{ctx.get('discriminator', '').strip(chr(39))}' key"
    if kind in ("too_short", "too_long"):
        bound = "at least" if kind == "too_short" else "at most"
        count = ctx.get("min_length", ctx.get("max_length"))
        return f"needs {bound} {count} item(s), got {ctx.get('actual_length')}"
    if kind == "value_error":
        return str(ctx.get("error", e["msg"]))
    if kind == "float_type" and isinstance(value, int) and not isinstance(value, bool):
        return f"{shown} is too large"  # an int no float can hold
    for suffix, name in _TYPE_NAMES.items():
        if kind.startswith(suffix) or kind.endswith(suffix + "_type"):
            return f"{shown} is not {name}{_exponent_hint(kind, value)}"
    return f"{shown}: {e['msg']}"


def _exponent_hint(kind: str, value: Any) -> str:
    """YAML 1.1 reads `1e6` as text: say how to write the number that was meant."""
    if not kind.startswith("float") or not isinstance(value, str) or "e" not in value.lower():
        return ""
    try:
        number = float(value)
    except ValueError:
        return ""
    if not math.isfinite(number):
        return ""
    mantissa, _, exponent = value.lower().partition("e")
    mantissa += "" if "." in mantissa else ".0"
    exponent = exponent if exponent.startswith(("+", "-")) else "+" + exponent
    return f" (YAML reads an exponent only with a dot and a sign: write {mantissa}e{exponent})"


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        # Decimal, because str() refuses ints of over 4,300 digits (YAML's 0xfff... makes them)
        mantissa, exponent = format(decimal.Decimal(value), ".6g").split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= 1e12:
        return f"{value:.6g}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return "this value"
    return repr(value) if isinstance(value, str) else str(value)


def _valid_keys(loc: tuple) -> set[str]:
    """Keys allowed at a loc, found by walking the model classes along it."""
    model: Any = Scenario
    for element in loc:
        model = _step(model, element)
        if model is None:
            return set()
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {f.alias or name for name, f in model.model_fields.items()}
    return set()


def _step(model: Any, element: Any) -> Any:
    if isinstance(model, type) and issubclass(model, BaseModel):
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == element),
                     None)
        if field is None:
            return model if isinstance(element, int) else None
        return _unwrap(field.annotation)
    if isinstance(model, list):  # a union: the loc element names a member
        for member in model:
            tag = getattr(member, "model_fields", {}).get("kind") or \
                  getattr(member, "model_fields", {}).get("dist")
            if tag is not None and element in typing.get_args(tag.annotation):
                return member
        return model if isinstance(element, int) else None
    return model if isinstance(element, int) else None


def _unwrap(annotation: Any) -> Any:
    """list[X] -> X, Optional[X] -> X, Annotated[Union...] -> list of members."""
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin is list:
            annotation = args[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            nested = [m for a in args if typing.get_origin(a) is typing.Annotated
                      for m in typing.get_args(typing.get_args(a)[0])]
            members = models + [m for m in nested if isinstance(m, type)]
            if len(members) == 1:
                return members[0]
            return members or None
        else:
            return annotation
