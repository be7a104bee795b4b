"""Junk everywhere, as every role: the whole URL map answers < 500 (issue 16).

Every rule of ``app.url_map`` and each of its methods is sent hostile path values (ids past a
BIGINT, junk text), every query parameter the views read (found in web/'s source), every field
of every form (found by instantiating each FlaskForm), a junk upload name, and junk JSON bodies
(deep nesting, lone surrogates, non-objects). First a fixed sweep of known-hostile values per
rule, method and role, then hypothesis-drawn requests. CSRF is off so junk reaches the views.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter
from wtforms import FieldList, FileField, FormField, SelectFieldBase

from crm.segments import services as segments
from crm.users.services import create_user, rotate_session_token
from listeners.queue import InlineQueue
from tests.factories import ingest, mention
from web import create_app

ROLES = ("admin", "manager", "marketer", "viewer")
# Drawn requests per role; CRM_FUZZ_EXAMPLES=5000 for a longer hunt.
EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "300"))
# Endpoints that end the fuzzing client's own session, and the static files.
SKIP = {"auth.logout", "account.sign_out_everywhere", "static"}
HOSTILE_INTS = ["0", "1", "2", "9223372036854775807", "9223372036854775808", "18446744073709551616",
                "1" * 40]
HOSTILE_TEXT = [
    "9223372036854775808", "-9223372036854775809", "9999-12-31", "0001-01-01", "2026-02-30", "1e99999",
    "nan", "-inf", "", " ", "me", "none", "x" * 5000, "../../etc/passwd", "<script>alert(1)</script>",
    "' OR 1=1 --", "%", "\u202e\ufffe\uffff", "\ud7ff\U0001f600", "=cmd|' /C calc'!A0", "[]", "{}", "true",
]
DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE_JSON = [DEEP, '{"a":' * 50_000 + "1" + "}" * 50_000, '"\\ud800"', '{"name": "\\udfff"}',
                '{"rule": {"all": ["\\ud800"]}}', '"x"', "1", "1e99999", "null", "[]", "{",
                '{"name": 1e99999, "rule": 9223372036854775808}', '{"segment_id": 9223372036854775808}',
                '{"segment_id": 1e99999, "rule": "x"}', '{"rule": [[[[[]]]]]}']


def _query_names() -> list[str]:
    """Every query-string or form name a view reads by hand (request.args / arg_int / arg_date ...)."""
    pattern = re.compile(r"""(?:request\.(?:args|form|values)\.(?:get|getlist)\(|(?:arg_[a-z]+|opt_int)\(|request\.(?:args|form)\[)\s*["']([a-z_]+)["']""")
    root = Path(__file__).resolve().parents[2] / "web"
    names = {m.group(1) for p in root.rglob("*.py") for m in pattern.finditer(p.read_text())}
    assert len(names) >= 15, names
    return sorted(names)


def _form_classes() -> Iterator[type[FlaskForm]]:
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        yield cls


def _walk(fields: Any) -> Iterator[Any]:
    for field in fields:
        if isinstance(field, FieldList):
            yield from _walk(field.entries)
        elif isinstance(field, FormField):
            yield from _walk(field.form)
        else:
            yield field


def _form_fields(app: Flask) -> tuple[dict[str, list[str]], list[str]]:
    """Every form field name with its valid choices (junk is added later), and file fields."""
    fields: dict[str, list[str]] = {}
    files: list[str] = []
    with app.test_request_context():
        for cls in _form_classes():
            try:
                form = cls(meta={"csrf": False})
            except TypeError:  # a form that needs constructor arguments: its class fields still count
                continue
            for field in _walk(form):
                if isinstance(field, FileField):
                    files.append(field.name)
                elif isinstance(field, SelectFieldBase):
                    choices = [str(c[0]) for c in (field.choices or []) if isinstance(c, tuple | list)]
                    fields.setdefault(field.name, []).extend(choices)
                else:
                    fields.setdefault(field.name, [])
    assert len(fields) >= 30, sorted(fields)
    return fields, sorted(set(files))


class Fuzzer:
    """One app with CSRF off, a signed-in client per role, and the request counter."""

    def __init__(self, app: Flask, users: dict[str, Any]) -> None:
        self.app, self.users = app, users
        self.client = app.test_client()
        self.rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP]
        self.query = _query_names()
        self.fields, self.files = _form_fields(app)
        self.sent = 0
        self.failures: list[str] = []

    def send(self, role: str, rule: Rule, method: str, path: dict[str, str], query: dict[str, str],
             form: dict[str, Any] | None = None, body: str | None = None, file_name: str | None = None) -> int:
        """One request as ``role``; a status >= 500 (or an exception) is recorded."""
        with self.client.session_transaction() as sess:
            sess["_user_id"] = self.users[role].get_id()
            sess["_fresh"] = True
        url = _build(rule, path)
        kwargs: dict[str, Any] = {"query_string": query}
        if body is not None:
            kwargs.update(data=body.encode("utf-8", "surrogatepass"), content_type="application/json")
        elif form is not None:
            data: dict[str, Any] = dict(form)
            if file_name is not None:
                for name in self.files:
                    data[name] = (io.BytesIO(b'{"platform": "reddit"}\n'), file_name)
            kwargs["data"] = data
        self.sent += 1
        where = f"{role} {method} {url} query={_short(query)} form={_short(form)} body={_short(body)}"
        try:
            status = self.client.open(url, method=method, **kwargs).status_code
        except Exception as exc:  # noqa: BLE001 - recorded as a failure with the request that caused it
            self.failures.append(f"{where}: {type(exc).__name__}: {exc}"[:600])
            return 599
        if status >= 500:
            self.failures.append(f"{where}: {status}")
        return status


def _short(value: Any) -> str:
    return repr(value)[:200]


def _build(rule: Rule, values: dict[str, str]) -> str:
    # Built by hand: the converters' to_url refuses junk, and junk is the point.
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values.get(m.group(1), "1"), rule.rule)


def _path_values(rule: Rule, pick: Any) -> dict[str, str]:
    out = {}
    for arg, conv in rule._converters.items():
        out[arg] = pick(HOSTILE_INTS if isinstance(conv, NumberConverter) else HOSTILE_TEXT + HOSTILE_INTS)
    return out


@pytest.fixture()
def fuzzer(settings, session_factory, db) -> Fuzzer:  # type: ignore[no-untyped-def]
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SETTINGS": settings,
                      "SESSION_FACTORY": session_factory, "JOB_QUEUE": InlineQueue(background=False)})
    users = {}
    for role in ROLES:
        users[role] = create_user(db, email=f"fuzz-{role}@example.com", password="correct horse", role=role)
        rotate_session_token(users[role])
    ingest(db, mention(by="anna", text="Is the refund coming? =1+1"), mention(by="ben", text="great app"),
           mention(by="anna", text="still broken", platform="x"))
    segments.create_segment(db, name="Fuzz", rule={"field": "reach", "min": 1})
    db.commit()
    return Fuzzer(app, users)


def test_a_fixed_sweep_of_hostile_values_never_gives_a_5xx(fuzzer: Fuzzer) -> None:
    """Each rule x method x role: ids past 2^63, junk in every parameter, field and body."""
    for rule in fuzzer.rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for role in ROLES:
                for i, value in enumerate(("9223372036854775808", "9999-12-31", "x" * 5000)):
                    path = _path_values(rule, lambda choices, i=i: choices[(i * 3) % len(choices)])
                    query = {name: value for name in fuzzer.query}
                    if method == "GET":
                        fuzzer.send(role, rule, method, path, query)
                        continue
                    form = {name: value for name in fuzzer.fields}
                    fuzzer.send(role, rule, method, path, query, form=form, file_name="y" * 5000 + ".jsonl")
                if method != "GET" and (rule.rule.startswith("/api/") or rule.endpoint.endswith("preview")):
                    for body in HOSTILE_JSON:
                        fuzzer.send(role, rule, method, _path_values(rule, lambda c: c[1]), {}, body=body)
    print(f"fixed sweep: {fuzzer.sent} requests, {len(fuzzer.failures)} answered >= 500")
    assert fuzzer.sent > 1000
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:40])


ONE_AT_A_TIME = ["9223372036854775808", "9999-12-31", "²"]


def _module_names(app: Flask, rule: Rule, names: list[str]) -> list[str]:
    """The names among ``names`` that the module of ``rule``'s view mentions (or its helpers)."""
    source = inspect.getsource(sys.modules[app.view_functions[rule.endpoint].__module__])
    found = [n for n in names if f'"{n}"' in source or f"'{n}'" in source or f" {n} = " in source]
    if "filter_from_args" in source:
        found += [n for n in ("q", "platform", "sentiment", "since", "until") if n not in found]
    return found


def test_one_parameter_at_a_time_never_gives_a_5xx(fuzzer: Fuzzer) -> None:
    """A junk value alone, so an earlier parameter's 422 does not hide a later one's 500."""
    for rule in fuzzer.rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path = _path_values(rule, lambda choices: choices[1])  # an id that exists
            if method == "GET":
                for name in _module_names(fuzzer.app, rule, fuzzer.query):
                    for value in ONE_AT_A_TIME:
                        fuzzer.send("admin", rule, method, path, {name: value})
            else:
                for name in _module_names(fuzzer.app, rule, sorted(fuzzer.fields)):
                    for value in ONE_AT_A_TIME:
                        fuzzer.send("admin", rule, method, path, {}, form={name: value})
    print(f"one at a time: {fuzzer.sent} requests, {len(fuzzer.failures)} answered >= 500")
    assert fuzzer.sent > 500
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:40])


_text = st.one_of(st.sampled_from(HOSTILE_TEXT + HOSTILE_INTS),
                  st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                  st.integers().map(str), st.floats().map(str))
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize("role", ROLES)
def test_hypothesis_junk_never_gives_a_5xx(fuzzer: Fuzzer, role: str) -> None:
    """Hypothesis draws a rule, a method and junk for its path, query, form or JSON body."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data: st.DataObject) -> None:
        rule = data.draw(st.sampled_from(fuzzer.rules))
        method = data.draw(st.sampled_from(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})))
        path = _path_values(rule, lambda choices: data.draw(st.sampled_from(choices) | st.integers(0, 2**70).map(str)))
        query = data.draw(st.dictionaries(st.sampled_from(fuzzer.query), _text, max_size=6))
        if method == "GET":
            fuzzer.send(role, rule, method, path, query)
            return
        if data.draw(st.booleans()):
            body = data.draw(st.sampled_from(HOSTILE_JSON) | _json.map(json.dumps)
                             | st.fixed_dictionaries({"name": _text, "rule": _json, "segment_id": _json}).map(json.dumps))
            fuzzer.send(role, rule, method, path, query, body=body)
            return
        names = sorted(fuzzer.fields)
        form = data.draw(st.dictionaries(
            st.sampled_from(names),
            st.one_of(_text, st.sampled_from(sorted({c for n in names for c in fuzzer.fields[n]}) or ["x"])),
            max_size=12,
        ))
        file_name = data.draw(st.none() | st.sampled_from(["y" * 5000 + ".csv", "../../x.jsonl", "\x00.csv"]) | _text)
        fuzzer.send(role, rule, method, path, query, form=form, file_name=file_name)

    run()
    print(f"hypothesis as {role}: {fuzzer.sent} requests, {len(fuzzer.failures)} answered >= 500")
    assert fuzzer.sent >= EXAMPLES
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:40])
