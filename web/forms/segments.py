"""The segment editor's forms: condition rows (a WTForms FieldList) <-> the JSON rule language.

Rows cover one level: every row is a condition, optionally negated, joined by AND or OR.
Anything deeper (nested groups) is edited as JSON in the same form; a saved rule that rows
cannot express opens in JSON mode. Numbers that do not parse are passed on as text, so the
rule validation names the row and the key that is wrong.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.segments.export import COLUMNS, DEFAULT_COLUMNS, label
from crm.segments.rules import CONDITIONS, describe

OPS = {
    "any": _l("any of"), "all": _l("all of"), "at_least": _l("at least"), "at_most": _l("at most"),
    "within_days": _l("within the last … days"), "older_than_days": _l("more than … days ago"),
    "before": _l("before (date)"), "after": _l("after (date)"), "top": _l("top"), "is": _l("is"),
}
# A stored rule's parameter names, as the builder words them (describe_rule).
PARAM_OPS = {"min": "at_least", "max": "at_most"}
PARAM_WORDS = {"days": _l("in days"), "levels": _l("levels"), "query": _l("words"), "id": "#"}


def describe_rule(rule: dict[str, Any]) -> str:
    """crm.segments.rules.describe in the user's language: field labels and parameter names."""
    from web.filters import t

    labels = {c[2] for c in CONDITIONS.values()}

    def word(key: str) -> str:
        if key in labels:
            return t(key)
        key = PARAM_OPS.get(key, key)
        if key in OPS:
            return str(OPS[key])
        return str(PARAM_WORDS.get(key, key.replace("_", " ")))

    return describe(rule, word)


# Which operators each field offers (the first is the default); the JS shows only these.
FIELD_OPS = {
    "platforms": ("any", "all"), "tags": ("any", "all"), "engagement": ("any",),
    "interactions": ("at_least", "at_most"), "sentiment": ("at_least", "at_most"),
    "last_active": ("within_days", "older_than_days", "before", "after"),
    "first_seen": ("within_days", "older_than_days", "before", "after"),
    "mentioned": ("is",), "segment": ("is",), "identities": ("at_least", "at_most"),
    "reach": ("at_least", "at_most", "top"),
}
WINDOWED = {"interactions", "sentiment", "mentioned"}


class RowForm(Form):
    """One condition: [not] field operator value [in the last N days]."""

    negate = BooleanField(lazy_gettext("not"))
    field = SelectField(lazy_gettext("Condition"), choices=[(k, v[2]) for k, v in CONDITIONS.items()])
    op = SelectField(lazy_gettext("Operator"), choices=list(OPS.items()))
    value = StringField(lazy_gettext("Value"), validators=[Length(max=500)])
    days = StringField(lazy_gettext("Days"), validators=[Optional(), Length(max=10)])


class SegmentForm(FlaskForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(lazy_gettext("Description"), validators=[Length(max=2000)])
    match = SelectField(lazy_gettext("Match"), choices=[("and", _l("all of the conditions")), ("or", _l("any of the conditions"))])
    mode = HiddenField(default="rows")
    rows = FieldList(FormField(RowForm), min_entries=1, max_entries=40)
    rule_json = TextAreaField(lazy_gettext("Rule (JSON)"), validators=[Length(max=20_000)])


def _number(raw: str) -> Any:
    text = raw.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return raw.strip()


def row_to_condition(row: dict[str, Any]) -> dict[str, Any] | None:
    """The condition a row describes, or None for a blank row."""
    field, op, value = row.get("field") or "", row.get("op") or "", (row.get("value") or "").strip()
    if not value:
        return None
    ops = FIELD_OPS.get(field, ("is",))
    op = op if op in ops else ops[0]
    cond: dict[str, Any] = {"field": field}
    if field in ("platforms", "tags"):
        cond[op] = [v.strip() for v in value.split(",") if v.strip()]
    elif field == "engagement":
        cond["levels"] = [v.strip() for v in value.split(",") if v.strip()]
    elif field in ("interactions", "sentiment", "identities", "reach"):
        cond[{"at_least": "min", "at_most": "max", "top": "top"}[op]] = _number(value)
    elif field in ("last_active", "first_seen"):
        cond[op] = value if op in ("before", "after") else _number(value)
    elif field == "mentioned":
        cond["query"] = value
    elif field == "segment":
        cond["id"] = _number(value)
    days = (row.get("days") or "").strip()
    if days and field in WINDOWED:
        cond["days"] = _number(days)
    return {"op": "not", "condition": cond} if row.get("negate") else cond


def rule_from_form(form: SegmentForm) -> Any:
    """The rule the form describes: its JSON text in JSON mode, else its rows joined by match."""
    if form.mode.data == "json":
        return form.rule_json.data or ""
    conditions = [c for c in (row_to_condition(r) for r in form.rows.data) if c is not None]
    return {"op": form.match.data or "and", "conditions": conditions}


def _condition_to_row(cond: dict[str, Any]) -> dict[str, Any] | None:
    negate = cond.get("op") == "not"
    if negate:
        cond = cond["condition"]
    if "op" in cond:
        return None
    field = cond["field"]
    row: dict[str, Any] = {"negate": negate, "field": field, "days": str(cond.get("days", ""))}
    keys = [k for k in cond if k not in ("field", "days")]
    if len(keys) != 1:
        return None
    key, value = keys[0], cond[keys[0]]
    op = {"min": "at_least", "max": "at_most", "levels": "any", "query": "is", "id": "is"}.get(key, key)
    row.update(op=op, value=", ".join(value) if isinstance(value, list) else str(value))
    return row


def rows_for(rule: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """(match, rows) for a rule rows can express, else None (edit it as JSON)."""
    group = rule if rule.get("op") in ("and", "or") else {"op": "and", "conditions": [rule]}
    rows = [_condition_to_row(c) for c in group["conditions"]]
    if any(r is None for r in rows):
        return None
    return group["op"], rows  # type: ignore[return-value]


def fill(form: SegmentForm, rule: dict[str, Any]) -> None:
    """Load a saved rule into the form (rows when possible, JSON otherwise)."""
    form.rule_json.data = json.dumps(rule, indent=2, ensure_ascii=False)
    as_rows = rows_for(rule)
    if as_rows is None:
        form.mode.data = "json"
        return
    form.mode.data = "rows"
    form.match.data = as_rows[0]
    while form.rows.entries:
        form.rows.pop_entry()
    for row in as_rows[1]:
        form.rows.append_entry(row)


def row_of_error(field: str | None) -> int | None:
    """The row an error path like ``conditions[2].condition.days`` points at."""
    if field and field.startswith("conditions["):
        try:
            return int(field[len("conditions["):field.index("]")])
        except ValueError:
            return None
    return None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExportForm(FlaskForm):
    format = SelectField(lazy_gettext("Format"), choices=[("csv", "CSV (UTF-8)"), ("xlsx", "Excel (XLSX)"), ("jsonl", "JSON Lines")])
    delimiter = SelectField(lazy_gettext("CSV delimiter"), choices=[(",", _l("Comma ,")), (";", _l("Semicolon ; (German Excel, decimal comma)"))])
    columns = MultiCheckboxField(lazy_gettext("Columns"), default=DEFAULT_COLUMNS)


def column_choices(platforms: list[str]) -> list[tuple[str, str, str]]:
    """(key, label, group) for every column, per-platform ones for the platforms in use."""
    out = [(k, v[0], v[1]) for k, v in COLUMNS.items()]
    for p in platforms:
        out += [(f"{kind}:{p}", label(f"{kind}:{p}"), "Identities per platform") for kind in ("handle", "profile_url", "followers")]
    return out


def fit_rows(form: SegmentForm) -> None:
    """For rendering: field names in the user's language, and each row's operator list only
    the operators its field offers (segments.js keeps it so when the field changes)."""
    fields = [(k, gettext(v[2])) for k, v in CONDITIONS.items()]
    for row in form.rows:
        row.field.choices = fields
        ops = FIELD_OPS.get(row.field.data or next(iter(CONDITIONS)), ("is",))
        row.op.choices = [(o, str(OPS[o])) for o in ops]
