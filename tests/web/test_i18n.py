"""German and English UI: complete catalogue, language choice, plurals, time zones, numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.locale import TRANSLATIONS_DIR
from tests.factories import ingest, mention
from tests.web.htmlpage import parse

ROOT = Path(__file__).resolve().parents[2]
PO = TRANSLATIONS_DIR / "de" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS_DIR / "de" / "LC_MESSAGES" / "messages.mo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "n_": (1, 2)}


def _extracted() -> set[str]:
    """Every msgid in the code and templates, as `make translations` extracts them."""
    method_map = [("web/templates/**.html", "jinja2"), ("web/**.py", "python"), ("cli/**.py", "python"),
                  ("crm/**.py", "python"), ("listeners/**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_ui_string_has_a_german_translation() -> None:
    catalog = read_po(PO.open("rb"))
    translated = {}
    for m in catalog:
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, (list, tuple)) else m.id
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        translated[key] = all(strings) and "fuzzy" not in m.flags
    missing = sorted(_extracted() - {k for k, ok in translated.items() if ok})
    assert missing == [], f"{len(missing)} strings lack a German translation (run `make translations`): {missing[:10]}"


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    def norm(v):  # type: ignore[no-untyped-def]
        return tuple(v) if isinstance(v, (list, tuple)) else v

    po = {norm(m.id): norm(m.string) for m in read_po(PO.open("rb")) if m.id}
    mo = {norm(m.id): norm(m.string) for m in read_mo(MO.open("rb")) if m.id}
    assert po == mo, "crm/translations/de/LC_MESSAGES/messages.mo is stale: run `make translations`"


def test_the_domain_vocabulary_is_current() -> None:
    out = subprocess.run([sys.executable, "-c", "import scripts.i18n_vocabulary as v; print(v.render(), end='')"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out == (ROOT / "web" / "vocabulary.py").read_text(), "run `make translations`"


def test_translations_keep_their_placeholders() -> None:
    for m in read_po(PO.open("rb")):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (list, tuple)) else [m.id]
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        want = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for s in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", s)) == want, (m.id, s)


def test_translated_attributes_cannot_break_out_of_their_quotes() -> None:
    """A translation shown in an attribute must not contain that attribute's quote character."""
    catalog = {m.id: m.string for m in read_po(PO.open("rb")) if m.id and isinstance(m.id, str)}
    for path in (ROOT / "web" / "templates").rglob("*.html"):
        text = path.read_text()
        for quote, msgid in re.findall(r"""=(["'])\{\{ _\((?:'([^']*)'|"[^"]*")""", text):
            if msgid and msgid in catalog:
                assert quote not in msgid and quote not in catalog[msgid], (path.name, msgid)


@pytest.fixture()
def chatter(db: Session) -> None:
    now = utcnow()
    ingest(db, mention(text="Die Synchronisierung hat schon wieder eine Störung, echt ärgerlich.",
                       language="de", created_at=now - timedelta(days=1, hours=2)))
    db.commit()


KEY_PAGES = {
    "/": ["Übersicht", "Mitglieder", "Neueste negative Erwähnungen"],
    "/inbox/": ["Posteingang", "Dringendste zuerst"],
    "/search/?q=St%C3%B6rungen": ["Gespräche durchsuchen", "1 Treffer"],
    "/members/": ["Mitglieder", "Zuletzt aktiv"],
    "/alerts/": ["Alarme", "Regeln und Stummschaltungen"],
    "/segments/": ["Segmente", "Zielgruppen"],
    "/metrics/": ["Kennzahlen", "Unbeantworteter Rückstand"],
    "/quarantine/": ["Quarantäne"],
    "/sources/": ["Listening-Quellen"],
    "/imports/": ["Importe"],
    "/account/": ["Ihr Konto", "Zeitzone"],
    "/privacy/": ["Datenschutzprotokoll", "Sperrliste", "Noch nichts."],
    "/privacy/retention": ["Regel festlegen", "Keine Regeln: Alles wird aufbewahrt.", "Aufbewahren (Tage)"],
    "/privacy/suppressions": ["Niemand ist gesperrt.", "Konto von der Liste nehmen"],
    "/webhooks/": ["Neuer Webhook", "Ereignisse", "Endpunkt-URL"],
    "/settings/tokens/": ["Neues Token", "Anfragen pro Minute", "Token anlegen"],
    "/sources/inbound/new": ["Quelle für die Eingangs-API anlegen", "Wer die Daten sendet"],
}


@pytest.mark.parametrize("path", sorted(KEY_PAGES))
def test_key_pages_render_in_german_from_accept_language(client, login, chatter, path: str) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    resp = client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert resp.status_code == 200
    page = parse(resp.data)
    for words in KEY_PAGES[path]:
        assert words in page.text, (path, words)
    assert 'lang="de"' in resp.data.decode()
    english = resp_english = client.get(path, headers={"Accept-Language": "en-US"})
    assert resp_english.status_code == 200 and KEY_PAGES[path][0] not in parse(english.data).text or path == "/members/"


def test_the_users_language_wins_over_the_browser(client, login, db, chatter) -> None:  # type: ignore[no-untyped-def]
    user = login("viewer")
    user.language = "en"
    db.commit()
    page = parse(client.get("/", headers={"Accept-Language": "de"}).data)
    assert "Overview" in page.text and "Übersicht" not in page.text


def test_account_page_saves_language_and_time_zone(client, login, db, csrf) -> None:  # type: ignore[no-untyped-def]
    user = login("viewer")
    token = csrf(client, "/account/")
    resp = client.post("/account/", data={"csrf_token": token, "language": "de", "timezone": "America/New_York"})
    assert resp.status_code == 302
    db.refresh(user)
    assert (user.language, user.timezone) == ("de", "America/New_York")
    assert "Ihre Einstellungen sind gespeichert." in parse(client.get("/account/").data).text
    bad = client.post("/account/", data={"csrf_token": token, "language": "fr", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    db.refresh(user)
    assert user.timezone == "America/New_York"


def test_times_are_shown_in_the_users_time_zone(client, login, db) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    user = login("admin")
    user.language = "de"  # 24-hour times
    when = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)
    ingest(db, mention(text="time zone probe", created_at=when))
    db.commit()
    for zone, shown in (("Europe/Berlin", "13:30"), ("America/New_York", "07:30"), ("UTC", "12:30")):
        user.timezone = zone
        db.commit()
        html = client.get("/search/?q=probe").data.decode()
        assert shown in html, zone


def test_date_inputs_are_read_in_the_users_time_zone(client, login, db) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    user = login("admin")
    user.timezone = "Europe/Berlin"
    db.commit()
    # 23:30 UTC on 14 January is 00:30 on 15 January in Berlin.
    ingest(db, mention(text="midnight probe", created_at=datetime(2026, 1, 14, 23, 30, tzinfo=UTC)))
    db.commit()
    assert "midnight probe" in parse(client.get("/search/?q=probe&since=2026-01-15&until=2026-01-15").data).text
    assert "midnight probe" not in parse(client.get("/search/?q=probe&since=2026-01-14&until=2026-01-14").data).text


def test_plurals_and_numbers_in_each_language(client, login, db) -> None:  # type: ignore[no-untyped-def]
    user = login("admin")
    ingest(db, mention(text="plural probe", created_at=utcnow() - timedelta(days=1, hours=1)))
    db.commit()
    html = client.get("/search/?q=probe").data.decode()
    assert "1 day ago" in html and "1 days" not in html and "1 result" in html and "1 results" not in html
    user.language = "de"
    db.commit()
    html = client.get("/search/?q=probe").data.decode()
    assert "vor 1 Tag" in html and "1 Treffer" in html
    from flask_babel import force_locale, format_decimal

    with client.application.test_request_context(), force_locale("de"):
        assert format_decimal(1234567) == "1.234.567"


def test_inbox_waiting_time_reads_as_a_duration(client, login, db) -> None:  # type: ignore[no-untyped-def]
    from crm.inbox.triage import triage

    login("admin")
    result = ingest(db, mention(text="Is there a way to export my data?", created_at=utcnow() - timedelta(days=4, hours=1)))
    triage(db, result.new_ids)
    db.commit()
    text = parse(client.get("/inbox/").data).text
    assert "waiting 4 days" in text and "waiting 4 d ago" not in text


def test_a_segment_rule_reads_in_the_users_language(app) -> None:  # type: ignore[no-untyped-def]
    from web.forms.segments import describe_rule

    rule = {"op": "and", "conditions": [{"field": "interactions", "min": 2, "days": 30},
                                         {"field": "platforms", "any": ["reddit", "x"]}]}
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert describe_rule(rule) == "(Interaktionen: mindestens 2; in Tagen 30 AND Plattformen: eines von reddit, x)"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert describe_rule(rule) == "(Interactions: at least 2; in days 30 AND Platforms: any of reddit, x)"
