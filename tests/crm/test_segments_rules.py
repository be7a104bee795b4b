"""The rule language: what parses, how it is normalised, and errors that point at the culprit."""

from __future__ import annotations

import json

import pytest

from crm.errors import InvalidInput
from crm.segments.rules import MAX_CONDITIONS, describe, parse_rule, referenced_segments


def error_of(rule: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_rule(rule)
    return info.value


def test_a_nested_rule_parses_and_is_normalised() -> None:
    rule = parse_rule({
        "op": "and",
        "conditions": [
            {"field": "interactions", "min": 3, "days": 30},
            {"op": "not", "condition": {"field": "tags", "any": ["Customer ", "customer", "VIP"]}},
            {"op": "or", "conditions": [{"field": "platforms", "all": "x, reddit"}, {"field": "reach", "top": 10}]},
        ],
    })
    assert rule["conditions"][1]["condition"] == {"field": "tags", "any": ["customer", "vip"]}
    assert rule["conditions"][2]["conditions"][0] == {"field": "platforms", "all": ["reddit", "x"]}
    assert parse_rule(json.dumps(rule)) == rule  # normalising is idempotent, JSON text is accepted


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        ({"op": "and", "conditions": [{"field": "tags", "any": ["a"]}, {"field": "tags", "any": ["b"]},
                                      {"field": "interactions", "min": 3, "days": 9000}]},
         "conditions[2].days", "between 1 and 3,650"),
        ({"op": "and", "conditions": [{"op": "not", "condition": {"field": "sentiment", "min": 2}}]},
         "conditions[0].condition.min", "between -1 and 1"),
        ({"field": "colour"}, "field", "must be one of"),
        ({"op": "xor", "conditions": []}, "op", "and, or or not"),
        ({"op": "or", "conditions": []}, "conditions", "non-empty list"),
        ({"field": "interactions", "days": 30}, "rule", "needs min, max or both"),
        ({"field": "interactions", "min": 5, "max": 2}, "min", "not be greater than max"),
        ({"field": "interactions", "min": 2.5}, "min", "whole number"),
        ({"field": "interactions", "min": True}, "min", "whole number"),
        ({"field": "interactions", "min": 1, "dayz": 3}, "rule", "unknown key 'dayz'"),
        ({"field": "platforms", "any": ["x"], "all": ["y"]}, "rule", "exactly one of any or all"),
        ({"field": "platforms", "any": ["X Corp!"]}, "any", "not a platform name"),
        ({"field": "tags", "all": []}, "all", "non-empty list"),
        ({"field": "engagement", "levels": ["legendary"]}, "levels", "choose from"),
        ({"field": "last_active", "before": "31.01.2026"}, "before", "date like"),
        ({"field": "first_seen"}, "rule", "needs within_days"),
        ({"field": "mentioned", "query": "   "}, "query", "words or"),
        ({"field": "mentioned", "query": "-only -excluded"}, "query", "at least one word"),
        ({"field": "segment"}, "id", "by its id"),
        ({"field": "reach", "top": 10, "min": 3}, "rule", "either top or min/max"),
        ({"op": "not", "condition": "x"}, "condition", "must be an object"),
        ([1, 2], "rule", "must be an object"),
        ("{not json", "rule", "not valid JSON"),
    ],
)
def test_an_invalid_rule_names_the_wrong_part(rule: object, field: str, words: str) -> None:
    exc = error_of(rule)
    assert exc.field == field
    assert exc.message.startswith(field)
    assert words in exc.message


def test_nesting_and_size_are_bounded() -> None:
    deep: dict = {"field": "reach", "min": 1}
    for _ in range(7):
        deep = {"op": "not", "condition": deep}
    assert "nested deeper" in error_of(deep).message
    many = {"op": "or", "conditions": [{"field": "reach", "min": i} for i in range(MAX_CONDITIONS + 1)]}
    exc = error_of(many)
    assert exc.field == f"conditions[{MAX_CONDITIONS}]" and "too many" in exc.message


def test_every_condition_has_a_valid_form() -> None:
    for rule in (
        {"field": "platforms", "any": ["reddit"]}, {"field": "tags", "all": ["a", "b"]},
        {"field": "engagement", "levels": ["engaged"]}, {"field": "interactions", "max": 0, "days": 7},
        {"field": "sentiment", "min": -0.5, "max": 0.5}, {"field": "last_active", "after": "2026-01-01"},
        {"field": "first_seen", "older_than_days": 3}, {"field": "mentioned", "query": '"dark mode"'},
        {"field": "segment", "id": 4}, {"field": "identities", "min": 2}, {"field": "reach", "max": 10},
    ):
        assert parse_rule(rule)["field"] == rule["field"]


def test_referenced_segments_and_description() -> None:
    rule = parse_rule({"op": "or", "conditions": [
        {"field": "segment", "id": 3}, {"op": "not", "condition": {"field": "segment", "id": 5}},
        {"field": "interactions", "min": 3, "days": 30}]})
    assert referenced_segments(rule) == {3, 5}
    text = describe(rule)
    assert "OR" in text and "NOT" in text and "Interactions: min 3; days 30" in text
