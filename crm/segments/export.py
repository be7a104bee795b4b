"""Exports: the column catalogue, rows fetched in chunks, and streaming CSV / XLSX / JSONL writers.

Memory stays flat: the member ids of a segment are collected first (8 bytes each, streamed
from the database), then rows are built and written a chunk at a time, each chunk read in a
short transaction of its own. One long read transaction would be simpler, but on SQLite every
transaction takes the write lock (crm/db.py), so a 30-second export would stall ingest.

Formulas in social text never run (a cell starting with = + - @, a tab or a carriage return
is what a spreadsheet runs as a formula), and the neutralisation is chosen per format:

- XLSX has cell types: every text is written as a text cell, and a text with a formula start
  also carries Excel's own "quote prefix" flag (what Excel stores when you type '=x). Excel
  shows the text exactly as written, without an apostrophe, and it stays text when edited.
  Characters XML cannot hold (C0 controls but tab/LF/CR, U+FFFE, U+FFFF, lone surrogates)
  are dropped, so one hostile post never stops an export; a text is cut at Excel's 32,767.
- CSV has no types, so the apostrophe (OWASP's advice) is the only marker, and Excel shows it.
  A CSV may be read with the other delimiter (German Excel splits a ',' file on ';') or with
  its quotes out of step, so every part that could become a cell is neutralised: the start of
  the text and whatever follows a ',', ';', tab or line break (after quotes and spaces).
  Every cell is quoted.
- JSONL is not opened by spreadsheets and keeps every value whole, as it is.
"""

from __future__ import annotations

import csv
import json
import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import BigInteger, ColumnElement, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import InvalidInput
from crm.interactions.models import Interaction
from crm.locale import translations
from crm.members import engagement
from crm.members.models import Identity, Member, MemberTag
from crm.segments.compile import member_filter, planner_hints
from crm.segments.models import EXPORT_FORMATS

CHUNK = 5000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_START)
PLATFORM_COLUMN = re.compile(r"^(handle|profile_url|followers):([a-z0-9_.-]{1,32})$")
XLSX_MAX_TEXT = 32_767  # an Excel cell holds 32,767 characters
# A formula start at the beginning of the text, or after anything a reader could split a cell
# on, behind optional quotes and spaces: the apostrophe goes right after the split point.
_PART_FORMULA = re.compile(r"(^|[,;\t\r\n])(?=[\s\"]*[=+\-@\t\r])")
_SPLIT_OR_START = frozenset(",;\t\r\n") | _FORMULA_CHARS

# key -> (label, group)
COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("Member id", "Member"),
    "display_name": ("Name", "Member"),
    "handles": ("Accounts", "Identities"),
    "identity_count": ("Number of accounts", "Identities"),
    "platforms": ("Platforms", "Aggregates"),
    "tags": ("Tags", "Tags"),
    "interaction_count": ("Interactions", "Aggregates"),
    "sentiment_mean": ("Mean sentiment", "Aggregates"),
    "positive_count": ("Positive", "Aggregates"),
    "negative_count": ("Negative", "Aggregates"),
    "neutral_count": ("Neutral", "Aggregates"),
    "followers_max": ("Reach", "Aggregates"),
    "engagement": ("Engagement level", "Aggregates"),
    "first_seen": ("First seen", "Member"),
    "last_seen": ("Last active", "Member"),
    "created_at": ("Added", "Member"),
    "last_interaction_at": ("Last interaction at", "Last interaction"),
    "last_interaction_platform": ("Last interaction platform", "Last interaction"),
    "last_interaction_url": ("Last interaction link", "Last interaction"),
    "last_interaction_text": ("Last interaction text", "Last interaction"),
}
DEFAULT_COLUMNS = [
    "id", "display_name", "handles", "platforms", "tags", "interaction_count", "sentiment_mean",
    "followers_max", "first_seen", "last_seen",
]
_MEMBER_FIELDS = (
    "id", "display_name", "platforms", "interaction_count", "sentiment_mean", "positive_count",
    "negative_count", "neutral_count", "followers_max", "first_seen", "last_seen", "created_at", "engagement",
)
PLATFORM_LABELS = {"handle": "Handle on {}", "profile_url": "Profile on {}", "followers": "Followers on {}"}


def label(key: str, language: str | None = None) -> str:
    """The header of a column, in ``language`` (the exporting user's; English by default)."""
    tr = translations(language).gettext
    m = PLATFORM_COLUMN.match(key)
    return tr(PLATFORM_LABELS[m.group(1)]).format(m.group(2)) if m else tr(COLUMNS[key][0])


def validate_columns(keys: Iterable[str]) -> list[str]:
    """The chosen columns in order, without repeats; InvalidInput names an unknown one."""
    out: list[str] = []
    for key in keys:
        key = key.strip()
        if key and key not in out:
            if key not in COLUMNS and not PLATFORM_COLUMN.match(key):
                raise InvalidInput(f"There is no column {key[:60]!r}.", field="columns")
            out.append(key)
    if not out:
        raise InvalidInput("Choose at least one column.", field="columns")
    if len(out) > 100:
        raise InvalidInput("Choose at most 100 columns.", field="columns")
    return out


def validate_format(fmt: str, delimiter: str = ",") -> tuple[str, str]:
    """(format, delimiter) checked: csv/xlsx/jsonl, and ',' or ';'."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}", field="format")
    if delimiter not in (",", ";"):
        raise InvalidInput("The delimiter is ',' or ';'.", field="delimiter")
    return fmt, delimiter


def platforms_in_use(session: Session) -> list[str]:
    """Platforms members have accounts on, for the per-platform columns."""
    return list(session.scalars(select(Identity.platform).distinct().order_by(Identity.platform)))


def neutralise(value: str) -> str:
    """A text a spreadsheet will show, never run: a leading apostrophe before formula starts."""
    return "'" + value if value.startswith(FORMULA_START) else value


def neutralise_parts(value: str) -> str:
    """A CSV text no reader can split into a live formula: an apostrophe before every formula
    start at the beginning or after a ',', ';', tab or line break (behind quotes and spaces)."""
    if not _SPLIT_OR_START.intersection(value):
        return value  # the common case: nothing to split on, no formula start
    return _PART_FORMULA.sub(lambda m: m.group(1) + "'", value)


# --- rows --------------------------------------------------------------------------------
def collect_member_ids(session: Session, rule: dict[str, Any], *, segment_id: int | None = None) -> array[int]:
    """The ids of a segment's members in id order, streamed into a compact array."""
    ids: array[int] = array("q")
    stmt = select(Member.id).where(*member_filter(session, rule, segment_id=segment_id)).order_by(Member.id)
    with planner_hints(session):
        result = session.execute(stmt, execution_options={"stream_results": True, "yield_per": 10_000})
        for part in result.partitions():
            ids.extend(row[0] for row in part)
    return ids


def _id_in(session: Session, column: Any, ids: list[int]) -> ColumnElement[bool]:
    # PostgreSQL: one array parameter; psycopg would otherwise parse thousands of placeholders.
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))
    return column.in_(ids)


def fetch_rows(session: Session, ids: Sequence[int], columns: Sequence[str], *,
               now: datetime | None = None) -> list[list[Any]]:
    """One row per member id (in the order given) with the chosen columns, as Python values."""
    wanted = set(columns)
    ids = list(ids)
    if not ids:
        return []
    members = {r.id: r for r in session.execute(
        select(*(getattr(Member, f) for f in _MEMBER_FIELDS)).where(_id_in(session, Member.id, ids)))}
    idents: dict[int, list[Any]] = defaultdict(list)
    if wanted & {"handles", "identity_count"} or any(PLATFORM_COLUMN.match(c) for c in columns):
        for r in session.execute(
            select(Identity.member_id, Identity.platform, Identity.handle, Identity.profile_url, Identity.followers)
            .where(_id_in(session, Identity.member_id, ids)).order_by(Identity.member_id, Identity.id)
        ):
            idents[r.member_id].append(r)
    tags: dict[int, list[str]] = defaultdict(list)
    if "tags" in wanted:
        for member_id, tag in session.execute(
            select(MemberTag.member_id, MemberTag.tag).where(_id_in(session, MemberTag.member_id, ids))
            .order_by(MemberTag.tag)
        ):
            tags[member_id].append(tag)
    last = _last_interactions(session, ids) if any(c.startswith("last_interaction") for c in wanted) else {}
    getters = [_getter(c, now or utcnow()) for c in columns]
    no_idents: list[Any] = []
    no_tags: list[str] = []
    rows = []
    for member_id in ids:
        m = members.get(member_id)
        if m is None:  # deleted since the ids were collected
            continue
        ctx = (m, idents.get(member_id, no_idents), tags.get(member_id, no_tags), last.get(member_id))
        rows.append([get(*ctx) for get in getters])
    return rows


def _last_interactions(session: Session, ids: list[int]) -> dict[int, Any]:
    # The newest interaction per member: one index seek on (member_id, occurred_at) each.
    newest = (
        select(Interaction.id).where(Interaction.member_id == Member.id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(1).scalar_subquery()
    )
    last_ids = [i for i in session.scalars(select(newest).where(_id_in(session, Member.id, ids))) if i is not None]
    if not last_ids:
        return {}
    return {r.member_id: r for r in session.execute(
        select(Interaction.member_id, Interaction.occurred_at, Interaction.platform, Interaction.url,
               Interaction.title, Interaction.text).where(_id_in(session, Interaction.id, last_ids)))}


Getter = Callable[[Any, list[Any], list[str], Any], Any]


def _getter(key: str, now: datetime) -> Getter:
    """A function (member row, identities, tags, last interaction) -> the value of column ``key``."""
    if key == "platforms":
        return lambda m, i, t, last: m.platforms.strip(",").replace(",", ", ")
    if key == "sentiment_mean":
        return lambda m, i, t, last: None if m.sentiment_mean is None else round(m.sentiment_mean, 4)
    if key == "engagement":
        return lambda m, i, t, last: engagement.level_of(m, now)
    if key in _MEMBER_FIELDS:
        index = _MEMBER_FIELDS.index(key)
        return lambda m, i, t, last: m[index]
    if key == "handles":
        return lambda m, i, t, last: ", ".join(f"{x.platform}:@{x.handle}" for x in i)
    if key == "identity_count":
        return lambda m, i, t, last: len(i)
    if key == "tags":
        return lambda m, i, t, last: ", ".join(t)
    if key == "last_interaction_text":
        return lambda m, i, t, last: None if last is None else " — ".join(x for x in (last.title, last.text) if x)
    if key.startswith("last_interaction_"):
        part = {"at": "occurred_at"}.get(key.removeprefix("last_interaction_"), key.removeprefix("last_interaction_"))
        return lambda m, i, t, last: None if last is None else getattr(last, part)
    what, platform = PLATFORM_COLUMN.match(key).groups()  # type: ignore[union-attr]

    def per_platform(m: Any, i: list[Any], t: list[str], last: Any) -> Any:
        values = [getattr(x, what) for x in i if x.platform == platform and getattr(x, what) is not None]
        if what == "followers":
            return max(values) if values else None
        return ", ".join(values) if values else None

    return per_platform


# --- writers -----------------------------------------------------------------------------
@dataclass
class _Base:
    path: Path
    columns: Sequence[str]


class CSVWriter(_Base):
    """UTF-8 with a BOM (Excel detects the encoding by it); ';' and decimal commas for German Excel."""

    def __init__(self, path: Path, columns: Sequence[str], delimiter: str = ",", language: str | None = None) -> None:
        super().__init__(path, columns)
        self.decimal_comma = delimiter == ";"
        # "replace": a lone surrogate (which no database stores) would not stop the export.
        self._file: IO[str] = open(path, "w", encoding="utf-8-sig", newline="", errors="replace")  # noqa: SIM115
        self._csv = csv.writer(self._file, delimiter=delimiter, quoting=csv.QUOTE_ALL)
        self._csv.writerow([neutralise_parts(label(c, language)) for c in columns])

    def _cell(self, value: Any) -> Any:
        # Dispatch on the exact type, most frequent first: this runs once per cell.
        kind = type(value)
        if kind is str:
            return neutralise_parts(value)
        if value is None:
            return ""
        if kind is int:
            return value
        if kind is float:
            return repr(value).replace(".", ",") if self.decimal_comma else repr(value)
        if kind is datetime:
            return value.astimezone(UTC).isoformat(" ", "seconds")[:19]
        return neutralise_parts(value) if isinstance(value, str) else value

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        self._csv.writerows([self._cell(v) for v in row] for row in rows)

    def close(self) -> None:
        self._file.close()


class XLSXWriter(_Base):
    """openpyxl in write-only mode: rows go to a temporary file, never all into memory."""

    def __init__(self, path: Path, columns: Sequence[str], delimiter: str = ",", language: str | None = None) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        super().__init__(path, columns)
        self._text_cell = WriteOnlyCell
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(translations(language).gettext("Members"))
        self._sheet.append([self._cell(label(c, language)) for c in columns])

    def _cell(self, value: Any) -> Any:
        if type(value) is str:
            value = _clean_xml(value)[:XLSX_MAX_TEXT]
            if value[:1] in _FORMULA_CHARS:
                # openpyxl would store it as a formula: a text cell with Excel's quote prefix.
                cell = self._text_cell(self._sheet, value=value)
                cell.data_type, cell.quotePrefix = "s", True
                return cell
            return value
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
        return value

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self._sheet.append([self._cell(v) for v in row])

    def close(self) -> None:
        self._book.save(self.path)


class JSONLWriter(_Base):
    """One JSON object per member, keyed by column; dates as ISO 8601 UTC."""

    def __init__(self, path: Path, columns: Sequence[str], delimiter: str = ",", language: str | None = None) -> None:
        super().__init__(path, columns)  # keys, not labels: JSON Lines are read by programs
        self._file: IO[str] = open(path, "w", encoding="utf-8", errors="replace")  # noqa: SIM115

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            obj = {c: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v) for c, v in zip(self.columns, row, strict=True)}
            self._file.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._file.close()


WRITERS: dict[str, type[CSVWriter] | type[XLSXWriter] | type[JSONLWriter]] = {
    "csv": CSVWriter, "xlsx": XLSXWriter, "jsonl": JSONLWriter,
}
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean_xml(value: str) -> str:
    """``value`` without what XML 1.0 cannot hold (openpyxl and lxml raise on it)."""
    # isprintable() is False for every one of them (and for tabs and newlines): a fast pass.
    return value if value.isprintable() else _ILLEGAL_XML.sub("", value)


def open_writer(
    fmt: str, path: Path, columns: Sequence[str], delimiter: str = ",", language: str | None = None
) -> CSVWriter | XLSXWriter | JSONLWriter:
    """A writer for ``fmt`` that has written the header (in ``language``); call ``write(rows)``
    then ``close()``."""
    return WRITERS[fmt](path, columns, delimiter, language)
