"""The segment rule language: JSON in, a validated and normalised rule out.

A rule is a node. A node is a group, a negation or a condition::

    {"op": "and" | "or", "conditions": [node, ...]}
    {"op": "not", "condition": node}
    {"field": "interactions", "min": 3, "days": 30}

Conditions (``days`` is always an optional window ending now, 1..3650):

    platforms   {"any": ["reddit", "x"]} or {"all": [...]}      accounts on these platforms
    tags        {"any": [...]} or {"all": [...]}                tagged so
    engagement  {"levels": ["champion", "engaged"]}             engagement level (crm/members/engagement.py)
    interactions {"min": 3, "max": 10, "days": 30}              how many interactions
    sentiment   {"min": 0.05, "max": 1, "days": 90}             mean sentiment (-1..1)
    last_active {"within_days" | "older_than_days": N, "before" | "after": "2026-01-31"}
    first_seen  same keys as last_active
    mentioned   {"query": "dark mode \\"sync issue\\"", "days": 30}  full text over their interactions
    segment     {"id": 7}                                        member of another segment
    identities  {"min": 2, "max": 5}                             number of accounts
    reach       {"min": 1000, "max": ...} or {"top": 100}        followers (largest account)

Errors are InvalidInput whose ``field`` is the path of the wrong part, as in
``conditions[2].days``, and whose message starts with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from crm.errors import InvalidInput
from crm.members import engagement

MAX_DEPTH = 6
MAX_CONDITIONS = 40
MAX_DAYS = 3650
MAX_ITEMS = 50
MAX_RULE_CHARS = 20_000
NAME = re.compile(r"^[a-z0-9_.-]{1,32}$")
GROUP_OPS = ("and", "or")
Params = dict[str, Any]


def _fail(path: str, message: str) -> InvalidInput:
    where = path or "rule"
    return InvalidInput(f"{where} {message}", field=where)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --- value checks ------------------------------------------------------------------------
def _int(params: Params, key: str, path: str, lo: int, hi: int) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise _fail(_join(path, key), f"must be a whole number between {lo:,} and {hi:,}")
    if not lo <= value <= hi:
        raise _fail(_join(path, key), f"must be between {lo:,} and {hi:,}")
    return int(value)


def _num(params: Params, key: str, path: str, lo: float, hi: float) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _fail(_join(path, key), f"must be a number between {lo:g} and {hi:g}")
    if not lo <= value <= hi:
        raise _fail(_join(path, key), f"must be between {lo:g} and {hi:g}")
    return float(value)


def _date(params: Params, key: str, path: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _fail(_join(path, key), "must be a date like 2026-01-31")
    return parsed.isoformat()


def _names(value: Any, path: str, *, allowed: tuple[str, ...] | None = None) -> list[str]:
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.split(",")) if v]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(path, "must be a non-empty list of names")
    if len(value) > MAX_ITEMS:
        raise _fail(path, f"may list at most {MAX_ITEMS} names")
    names = sorted({" ".join(v.split()).casefold() for v in value})
    for name in names:
        if allowed is not None and name not in allowed:
            raise _fail(path, f"has {name!r}; choose from {', '.join(allowed)}")
        if allowed is None and not (0 < len(name) <= 64):
            raise _fail(path, "has a name that is empty or longer than 64 characters")
    return names


def _range(params: Params, path: str, number: Callable[..., Any], lo: Any, hi: Any) -> Params:
    out = {k: number(params, k, path, lo, hi) for k in ("min", "max")}
    out = {k: v for k, v in out.items() if v is not None}
    if not out:
        raise _fail(path, "needs min, max or both")
    if len(out) == 2 and out["min"] > out["max"]:
        raise _fail(_join(path, "min"), "must not be greater than max")
    return out


def _days(params: Params, path: str, out: Params) -> Params:
    days = _int(params, "days", path, 1, MAX_DAYS)
    if days is not None:
        out["days"] = days
    return out


# --- conditions --------------------------------------------------------------------------
def _any_or_all(p: Params, path: str) -> Params:
    keys = [k for k in ("any", "all") if k in p]
    if len(keys) != 1:
        raise _fail(path, "needs exactly one of any or all (a list of names)")
    return {keys[0]: _names(p[keys[0]], _join(path, keys[0]))}


def _platforms(p: Params, path: str) -> Params:
    out = _any_or_all(p, path)
    key, names = next(iter(out.items()))
    for n in names:
        if not NAME.match(n):
            raise _fail(_join(path, key), f"has {n!r}, which is not a platform name")
    return out


def _engagement(p: Params, path: str) -> Params:
    return {"levels": _names(p.get("levels"), _join(path, "levels"), allowed=engagement.levels())}


def _interactions(p: Params, path: str) -> Params:
    return _days(p, path, _range(p, path, _int, 0, 10_000_000))


def _sentiment(p: Params, path: str) -> Params:
    return _days(p, path, _range(p, path, _num, -1.0, 1.0))


def _when(p: Params, path: str) -> Params:
    out: Params = {}
    for key in ("within_days", "older_than_days"):
        value = _int(p, key, path, 1, MAX_DAYS)
        if value is not None:
            out[key] = value
    for key in ("before", "after"):
        day = _date(p, key, path)
        if day is not None:
            out[key] = day
    if not out:
        raise _fail(path, "needs within_days, older_than_days, before or after")
    return out


def _mentioned(p: Params, path: str) -> Params:
    from crm.interactions.search import parse_query

    query = p.get("query")
    if not isinstance(query, str) or not query.strip():
        raise _fail(_join(path, "query"), "must be the words or \"a phrase\" to look for")
    try:
        parse_query(query)
    except InvalidInput as exc:
        raise _fail(_join(path, "query"), exc.message[0].lower() + exc.message[1:]) from None
    return _days(p, path, {"query": " ".join(query.split())})


def _segment(p: Params, path: str) -> Params:
    segment_id = _int(p, "id", path, 1, 2**62)
    if segment_id is None:
        raise _fail(_join(path, "id"), "must name the segment by its id")
    return {"id": segment_id}


def _identities(p: Params, path: str) -> Params:
    return _range(p, path, _int, 0, 10_000)


def _reach(p: Params, path: str) -> Params:
    if "top" in p:
        if "min" in p or "max" in p:
            raise _fail(path, "takes either top or min/max, not both")
        return {"top": _int(p, "top", path, 1, 100_000)}
    return _range(p, path, _int, 0, 10**12)


CONDITIONS: dict[str, tuple[Callable[[Params, str], Params], tuple[str, ...], str]] = {
    "platforms": (_platforms, ("any", "all"), "Platforms"),
    "tags": (_any_or_all, ("any", "all"), "Tags"),
    "engagement": (_engagement, ("levels",), "Engagement level"),
    "interactions": (_interactions, ("min", "max", "days"), "Interactions"),
    "sentiment": (_sentiment, ("min", "max", "days"), "Mean sentiment"),
    "last_active": (_when, ("within_days", "older_than_days", "before", "after"), "Last active"),
    "first_seen": (_when, ("within_days", "older_than_days", "before", "after"), "First seen"),
    "mentioned": (_mentioned, ("query", "days"), "Has mentioned"),
    "segment": (_segment, ("id",), "Member of segment"),
    "identities": (_identities, ("min", "max"), "Number of accounts"),
    "reach": (_reach, ("min", "max", "top"), "Reach (followers)"),
}


# --- nodes -------------------------------------------------------------------------------
def parse_rule(raw: Any) -> dict[str, Any]:
    """Validate a rule (a dict or its JSON text) and return it normalised; InvalidInput names the path."""
    if isinstance(raw, str | bytes):
        if len(raw) > MAX_RULE_CHARS:
            raise _fail("", f"is longer than {MAX_RULE_CHARS:,} characters")
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise _fail("", f"is not valid JSON ({exc.args[0]})") from None
    counter = [0]
    return _node(raw, "", 1, counter)


def _node(raw: Any, path: str, depth: int, counter: list[int]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(path, "must be an object: a condition or a group")
    if depth > MAX_DEPTH:
        raise _fail(path, f"is nested deeper than {MAX_DEPTH} levels")
    if "op" in raw:
        return _group(raw, path, depth, counter)
    field = raw.get("field")
    if field not in CONDITIONS:
        raise _fail(_join(path, "field"), f"must be one of {', '.join(CONDITIONS)} (or use op)")
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise _fail(path, f"is one condition too many: a rule has at most {MAX_CONDITIONS}")
    check, keys, _label = CONDITIONS[field]
    unknown = sorted(set(raw) - set(keys) - {"field"})
    if unknown:
        raise _fail(path, f"has an unknown key {unknown[0]!r}; {field} takes {', '.join(keys)}")
    return {"field": field, **check(raw, path)}


def _group(raw: dict[str, Any], path: str, depth: int, counter: list[int]) -> dict[str, Any]:
    op = raw.get("op")
    if op == "not":
        if set(raw) - {"op", "condition"}:
            raise _fail(path, "is a not: it takes only op and condition")
        return {"op": "not", "condition": _node(raw.get("condition"), _join(path, "condition"), depth + 1, counter)}
    if op not in GROUP_OPS:
        raise _fail(_join(path, "op"), "must be and, or or not")
    if set(raw) - {"op", "conditions"}:
        raise _fail(path, f"is an {op} group: it takes only op and conditions")
    items = raw.get("conditions")
    if not isinstance(items, list) or not items:
        raise _fail(_join(path, "conditions"), "must be a non-empty list")
    children = [
        _node(item, f"{_join(path, 'conditions')}[{i}]", depth + 1, counter) for i, item in enumerate(items)
    ]
    return {"op": op, "conditions": children}


def referenced_segments(rule: dict[str, Any]) -> set[int]:
    """The ids of the segments a (normalised) rule refers to directly."""
    if rule.get("op") == "not":
        return referenced_segments(rule["condition"])
    if "op" in rule:
        return set().union(*(referenced_segments(c) for c in rule["conditions"]))
    return {rule["id"]} if rule.get("field") == "segment" else set()


def describe(rule: dict[str, Any], word: Callable[[str], str] | None = None) -> str:
    """A one-line human reading of a normalised rule ("Interactions: min 3; days 30 AND ...").

    ``word`` puts a field's label or a parameter's name (``min``, ``within_days``) into the
    reader's language; without it they read as in English.
    """
    say = word or (lambda key: key.replace("_", " "))
    if rule.get("op") == "not":
        return f"NOT ({describe(rule['condition'], word)})"
    if "op" in rule:
        parts = [describe(c, word) for c in rule["conditions"]]
        inner = f" {rule['op'].upper()} ".join(parts)
        return inner if len(parts) == 1 else f"({inner})"
    label = CONDITIONS[rule["field"]][2]
    bits = []
    for key, value in rule.items():
        if key == "field":
            continue
        shown = ", ".join(value) if isinstance(value, list) else value
        bits.append(f"{say(key)} {shown}")
    return f"{say(label)}: {'; '.join(bits)}"
