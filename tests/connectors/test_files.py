"""The streaming import parser: field mapping, per-line errors with line numbers, progress."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base import Author, Mention
from connectors.files import MAX_LINE_BYTES, ImportFileError, ImportReader, iter_file
from connectors.import_schema import LineError, ParsedLine

FULL: dict[str, Any] = {
    "platform": "reddit",
    "external_id": "t1_abc",
    "kind": "comment",
    "author": {
        "id": "t2_xyz",
        "handle": "jane",
        "display_name": "Jane Ä",
        "profile_url": "https://www.reddit.com/user/jane/",
        "avatar_url": "https://cdn.example/jane.png",
        "followers": 12,
    },
    "text": "Sync works again 🎉",
    "title": "Status",
    "url": "https://www.reddit.com/r/nimbussync/comments/abc/",
    "created_at": "2026-09-01T12:00:00Z",
    "parent_id": "t3_root",
    "thread_id": "t3_root",
    "language": "en",
    "channel": "nimbussync",
    "score": 7,
    "flair": {"text": "Bug"},
}


def good(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A minimal valid item with a distinct id."""
    item = {
        "platform": "x",
        "external_id": f"id{n}",
        "author": {"id": f"a{n}"},
        "text": f"hello {n}",
        "created_at": "2026-09-01T12:00:00Z",
    }
    item.update(overrides)
    return item


def jsonl(*lines: dict[str, Any] | str | bytes) -> bytes:
    out = []
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line, ensure_ascii=False)
        out.append(line if isinstance(line, bytes) else line.encode("utf-8"))
    return b"\n".join(out) + b"\n"


def parse(data: bytes, fmt: str = "jsonl", **kwargs: Any) -> list[ParsedLine]:
    return list(ImportReader(io.BytesIO(data), fmt, **kwargs))  # type: ignore[arg-type]


def mentions(items: list[ParsedLine]) -> list[tuple[int, Mention]]:
    return [i for i in items if not isinstance(i, LineError)]


def errors(items: list[ParsedLine]) -> list[LineError]:
    return [i for i in items if isinstance(i, LineError)]


# --- JSONL happy paths ---------------------------------------------------------------------
def test_jsonl_maps_every_field_and_keeps_the_whole_object_as_raw() -> None:
    [(line_no, m)] = parse(jsonl(FULL))  # type: ignore[misc]
    assert line_no == 1
    assert m == Mention(
        platform="reddit",
        external_id="t1_abc",
        author=Author(
            id="t2_xyz",
            handle="jane",
            display_name="Jane Ä",
            profile_url="https://www.reddit.com/user/jane/",
            avatar_url="https://cdn.example/jane.png",
            followers=12,
        ),
        created_at=datetime(2026, 9, 1, 12, tzinfo=UTC),
        text="Sync works again 🎉",
        kind="comment",
        title="Status",
        url="https://www.reddit.com/r/nimbussync/comments/abc/",
        parent_id="t3_root",
        thread_id="t3_root",
        language="en",
        channel="nimbussync",
        raw=FULL,
    )
    assert m.raw["flair"] == {"text": "Bug"}  # unknown fields survive


def test_jsonl_minimal_item_gets_defaults() -> None:
    [(_, m)] = parse(jsonl(good(title=None)))  # type: ignore[misc]
    assert (m.kind, m.title, m.url, m.parent_id, m.language, m.channel) == (
        "post",
        None,
        None,
        None,
        None,
        None,
    )
    assert m.author == Author(id="a1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-09-01T12:00:00Z", datetime(2026, 9, 1, 12, tzinfo=UTC)),
        ("2026-09-01T14:00:00+02:00", datetime(2026, 9, 1, 12, tzinfo=UTC)),
        ("2026-09-01T12:00:00.250-03:30", datetime(2026, 9, 1, 15, 30, 0, 250000, tzinfo=UTC)),
        # No zone: documented as UTC.
        ("2026-09-01T12:00:00", datetime(2026, 9, 1, 12, tzinfo=UTC)),
        ("2026-09-01 12:00", datetime(2026, 9, 1, 12, tzinfo=UTC)),
        ("20260901T120000Z", datetime(2026, 9, 1, 12, tzinfo=UTC)),
    ],
)
def test_timestamps_are_iso_8601_and_end_up_in_utc(value: str, expected: datetime) -> None:
    [(_, m)] = parse(jsonl(good(created_at=value)))  # type: ignore[misc]
    assert m.created_at == expected
    assert m.created_at.utcoffset() == timedelta(0)
    assert m.created_at.tzinfo is UTC


def test_numeric_ids_become_strings_and_platform_and_kind_are_lower_cased() -> None:
    item = good(platform="X", kind="Reply", external_id=1834567890123456789, parent_id=17)
    item["author"] = {"id": 44196397, "followers": "1200"}
    [(_, m)] = parse(jsonl(item))  # type: ignore[misc]
    assert (m.platform, m.kind, m.external_id, m.parent_id) == (
        "x",
        "reply",
        "1834567890123456789",
        "17",
    )
    assert (m.author.id, m.author.followers) == ("44196397", 1200)


def test_bom_crlf_and_blank_lines_are_handled_and_line_numbers_stay_physical() -> None:
    data = b"\xef\xbb\xbf" + b"\r\n".join(
        [json.dumps(good(1)).encode(), b"", b"   \t", json.dumps(good(2)).encode(), b""]
    )
    items = parse(data)
    assert [(n, m.external_id) for n, m in mentions(items)] == [(1, "id1"), (4, "id2")]
    assert errors(items) == []


def test_title_alone_is_enough() -> None:
    [(_, m)] = parse(jsonl(good(text=None, title="Only a title")))  # type: ignore[misc]
    assert (m.text, m.title) == ("", "Only a title")


# --- JSONL bad lines -----------------------------------------------------------------------
BAD_LINES: list[tuple[str, bytes | str | dict[str, Any], str]] = [
    (
        "bad json",
        '{"platform": "x" "external_id": 1}',
        "invalid JSON (Expecting ',' delimiter at column 18)",
    ),
    (
        "truncated",
        '{"platform": "x", ',
        "invalid JSON (Expecting property name enclosed in double quotes",
    ),
    ("not an object", "[1, 2]", "expected a JSON object {...}, got a list"),
    ("a string", '"hello"', "expected a JSON object {...}, got a string"),
    ("NaN", '{"platform": NaN}', "invalid JSON (NaN is not a valid JSON value)"),
    ("too deep", "[" * 200_000, "invalid JSON (nested too deeply)"),
    (
        "huge number",
        '{"external_id": ' + "9" * 5000 + "}",
        "invalid JSON (Exceeds the limit (4300 digits) for integer string conversion)",
    ),
    ("not utf-8", b'{"text": "caf\xe9"}', "not valid UTF-8 (byte 0xe9 at byte 14)"),
    ("no author id", good(author={"handle": "jane"}), "author.id is missing"),
    ("no author", good(author=None), "author.id is missing"),
    ("author a string", good(author="jane"), "author must be an object, got a string"),
    ("text a number", good(text=42), "text must be a string, got a number"),
    ("title a list", good(text=None, title=["a"]), "title must be a string, got a list"),
    ("no text", good(text="  ", title=None), "text and title are both empty"),
    ("no platform", good(platform=None), "platform is missing"),
    ("empty id", good(external_id=" "), "external_id is missing"),
    (
        "id a float",
        good(external_id=1.5),
        "external_id must be a string or whole number, got a number",
    ),
    (
        "id a bool",
        good(external_id=True),
        "external_id must be a string or whole number, got a boolean",
    ),
    (
        "bad date",
        good(created_at="2026-13-01"),
        "created_at '2026-13-01' is not an ISO 8601 timestamp",
    ),
    (
        "date a number",
        good(created_at=1767225600),
        "created_at must be an ISO 8601 string, got a number",
    ),
    ("no date", good(created_at=None), "created_at is missing"),
    (
        "followers text",
        good(author={"id": "a", "followers": "many"}),
        "author.followers must be a whole number, got 'many'",
    ),
    (
        "followers float",
        good(author={"id": "a", "followers": 1.5}),
        "author.followers must be a whole number, got a number",
    ),
    (
        "followers bool",
        good(author={"id": "a", "followers": True}),
        "author.followers must be a whole number, got a boolean",
    ),
    (
        "followers < 0",
        good(author={"id": "a", "followers": -3}),
        "author.followers must be a whole number >= 0, got -3",
    ),
    ("url object", good(url={"href": "x"}), "url must be a string, got an object"),
    (
        "parent a list",
        good(parent_id=[1]),
        "parent_id must be a string or whole number, got a list",
    ),
    (
        "handle a number",
        good(author={"id": "a", "handle": 5}),
        "author.handle must be a string, got a number",
    ),
]


@pytest.mark.parametrize(("case", "line", "reason"), BAD_LINES, ids=[c[0] for c in BAD_LINES])
def test_a_bad_line_is_reported_with_its_number_and_the_neighbours_still_parse(
    case: str, line: bytes | str | dict[str, Any], reason: str
) -> None:
    items = parse(jsonl(good(1), line, good(3)))
    assert [(n, m.external_id) for n, m in mentions(items)] == [(1, "id1"), (3, "id3")]
    [error] = errors(items)
    assert error.line_no == 2
    assert reason in error.reason
    assert error.message.startswith(f"line 2: {reason}"[:40])
    assert error.raw_text
    if isinstance(line, dict):
        assert error.raw == line
        assert error.raw_text == json.dumps(line, ensure_ascii=False)


def test_a_line_error_lists_every_problem_and_keeps_the_keys_it_could_read() -> None:
    item = {"platform": "x", "external_id": "9", "author": {"followers": "x"}, "created_at": "soon"}
    [error] = parse(jsonl(item))
    assert isinstance(error, LineError)
    assert error.reason == (
        "author.id is missing; author.followers must be a whole number, got 'x'; "
        "text and title are both empty; "
        "created_at 'soon' is not an ISO 8601 timestamp (e.g. 2026-09-01T12:00:00Z)"
    )
    assert (error.platform, error.external_id, error.raw) == ("x", "9", item)


def test_a_line_over_one_megabyte_is_an_error_for_that_line_only() -> None:
    huge = json.dumps(good(2, text="x" * (MAX_LINE_BYTES + 10)))
    padding = MAX_LINE_BYTES - len(json.dumps(good(3, text="")))
    at_limit = json.dumps(good(3, text="y" * padding))
    assert len(at_limit) == MAX_LINE_BYTES
    data = jsonl(good(1), huge, at_limit, good(4))
    reader = ImportReader(io.BytesIO(data), "jsonl")
    items = list(reader)
    assert [n for n, _ in mentions(items)] == [1, 3, 4]
    [error] = errors(items)
    assert (error.line_no, error.reason) == (2, "line is longer than 1,048,576 bytes")
    assert len(error.raw_text) <= 10_000
    assert reader.bytes_read == len(data)


def test_an_over_long_last_line_without_newline_is_reported() -> None:
    data = jsonl(good(1)) + b"z" * 500
    items = parse(data, max_line_bytes=200)
    assert [n for n, _ in mentions(items)] == [1]
    assert [(e.line_no, e.reason) for e in errors(items)] == [(2, "line is longer than 200 bytes")]


# --- CSV -----------------------------------------------------------------------------------
CSV_HEADER = (
    "platform,external_id,kind,author_id,author_handle,author_display_name,author_profile_url,"
    "author_avatar_url,author_followers,text,title,url,created_at,parent_id,thread_id,language,"
    "channel,campaign\n"
)


def test_csv_maps_every_field_and_keeps_the_row_as_raw() -> None:
    row = (
        "mastodon,1130001,reply,109,@jane@chaos.social,Jäne,https://chaos.social/@jane,"
        'https://chaos.social/a.png,1200,"Hallo, Welt",,https://chaos.social/@jane/1130001,'
        "2026-09-01T14:00:00+02:00,1130000,1129999,de,#nimbus,autumn\n"
    )
    [(line_no, m)] = parse((CSV_HEADER + row).encode(), "csv")  # type: ignore[misc]
    assert line_no == 2
    assert m == Mention(
        platform="mastodon",
        external_id="1130001",
        author=Author(
            id="109",
            handle="@jane@chaos.social",
            display_name="Jäne",
            profile_url="https://chaos.social/@jane",
            avatar_url="https://chaos.social/a.png",
            followers=1200,
        ),
        created_at=datetime(2026, 9, 1, 12, tzinfo=UTC),
        text="Hallo, Welt",
        kind="reply",
        title=None,
        url="https://chaos.social/@jane/1130001",
        parent_id="1130000",
        thread_id="1129999",
        language="de",
        channel="#nimbus",
        raw=m.raw,
    )
    assert m.raw["campaign"] == "autumn"
    assert m.raw["author_handle"] == "@jane@chaos.social"
    assert len(m.raw) == 18


def test_csv_with_bom_semicolons_crlf_and_a_header_in_other_case() -> None:
    data = (
        "\ufeffPlatform; External_ID ;author_id;text;created_at\r\n"
        "x;1;a1;Preis: 9,99 €;2026-09-01T12:00:00Z\r\n"
        "\r\n"
        'x;2;a2;"zwei; drei";2026-09-02T12:00:00Z\r\n'
    ).encode()
    items = parse(data, "csv")
    assert errors(items) == []
    assert [(n, m.external_id, m.text) for n, m in mentions(items)] == [
        (2, "1", "Preis: 9,99 €"),
        (4, "2", "zwei; drei"),
    ]


def test_csv_multi_line_fields_keep_their_newlines_and_line_numbers_stay_right() -> None:
    data = (
        b"platform,external_id,author_id,text,created_at\n"
        b'x,1,a1,"first line\nsecond line\r\nthird, with ""quotes""",2026-09-01T12:00:00Z\n'
        b"x,2,a2,plain,2026-09-01T12:00:00Z\n"
        b'x,3,a3,"two\nlines",not-a-date\n'
        b"x,4,a4,after,2026-09-01T12:00:00Z\n"
    )
    items = parse(data, "csv")
    assert [(n, m.external_id) for n, m in mentions(items)] == [(2, "1"), (5, "2"), (8, "4")]
    assert mentions(items)[0][1].text == 'first line\nsecond line\r\nthird, with "quotes"'
    [error] = errors(items)
    assert error.line_no == 6
    assert "created_at 'not-a-date' is not an ISO 8601 timestamp" in error.reason
    assert error.raw_text == 'x,3,a3,"two\nlines",not-a-date'
    assert error.raw is not None and error.raw["text"] == "two\nlines"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (b"x,9,a9,hi\n", "row has 4 fields but the header has 5"),
        (b"x,9,a9,hi,2026-09-01T12:00:00Z,extra\n", "row has 6 fields but the header has 5"),
        (b"x,9,,hi,2026-09-01T12:00:00Z\n", "author_id is missing"),
        (b"x,9,a9,,2026-09-01T12:00:00Z\n", "text and title are both empty"),
        (b"x,9,a9,hi,yesterday\n", "created_at 'yesterday' is not an ISO 8601 timestamp"),
        (b"x,9,a9,caf\xe9,2026-09-01T12:00:00Z\n", "not valid UTF-8"),
    ],
)
def test_a_bad_csv_row_is_reported_and_the_neighbours_still_parse(row: bytes, reason: str) -> None:
    data = (
        b"platform,external_id,author_id,text,created_at\n"
        b"x,1,a1,before,2026-09-01T12:00:00Z\n" + row + b"x,3,a3,after,2026-09-01T12:00:00Z\n"
    )
    items = parse(data, "csv")
    assert [(n, m.external_id) for n, m in mentions(items)] == [(2, "1"), (4, "3")]
    [error] = errors(items)
    assert error.line_no == 3
    assert reason in error.reason


def test_csv_followers_must_be_whole_numbers() -> None:
    data = (
        b"platform,external_id,author_id,author_followers,text,created_at\n"
        b"x,1,a1,1200,t,2026-09-01T12:00:00Z\n"
        b"x,2,a2,1.5k,t,2026-09-01T12:00:00Z\n"
        b"x,3,a3,,t,2026-09-01T12:00:00Z\n"
    )
    items = parse(data, "csv")
    assert [(n, m.author.followers) for n, m in mentions(items)] == [(2, 1200), (4, None)]
    assert [(e.line_no, e.reason) for e in errors(items)] == [
        (3, "author_followers must be a whole number, got '1.5k'")
    ]


def test_an_over_long_csv_row_is_an_error_and_parsing_goes_on() -> None:
    data = (
        b"platform,external_id,author_id,text,created_at\n"
        b"x,1,a1," + b"w" * 500 + b",2026-09-01T12:00:00Z\n"
        b"x,2,a2,ok,2026-09-01T12:00:00Z\n"
    )
    items = parse(data, "csv", max_line_bytes=200)
    assert [(e.line_no, e.reason) for e in errors(items)] == [(2, "line is longer than 200 bytes")]
    assert [n for n, _ in mentions(items)] == [3]


def test_a_multi_line_csv_row_over_the_limit_is_reported_at_its_first_line() -> None:
    data = (
        b"platform,external_id,author_id,text,created_at\n"
        b"x,1,a1,ok,2026-09-01T12:00:00Z\n"
        b'x,2,a2,"' + (b"w" * 90 + b"\n") * 4 + b'",2026-09-01T12:00:00Z\n'
    )
    items = parse(data, "csv", max_line_bytes=200)
    assert [n for n, _ in mentions(items)] == [2]
    # Parsing resumes at the next physical line, so the rest of that row is reported too.
    assert (errors(items)[0].line_no, errors(items)[0].reason) == (
        3,
        "row is longer than 200 bytes",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b"platform,external_id,text\nx,1,hi\n", "lacks required columns: author_id, created_at"),
        (b"platform,external_id,author_id,created_at\n", "lacks required columns: text (or title)"),
        (
            b"platform,platform,external_id,author_id,text,created_at\n",
            "names column 'platform' twice",
        ),
        ("platform,text\n".encode("utf-16"), "the file is UTF-16"),
    ],
)
def test_a_csv_file_that_cannot_be_read_at_all_raises_a_clear_error(
    data: bytes, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(data, "csv")


# --- files, formats, progress, memory ------------------------------------------------------
@pytest.mark.parametrize("name", ["a.jsonl", "b.NDJSON", "c.json-lines", "d.csv"])
def test_the_format_comes_from_the_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith("csv"):
        path.write_bytes(b"platform,external_id,author_id,text,created_at\nx,1,a,t,2026-09-01\n")
    else:
        path.write_bytes(jsonl(good(1)))
    with iter_file(path) as reader:
        assert [m.external_id for _, m in mentions(list(reader))] == [
            "1" if "csv" in name else "id1"
        ]
    with open(path, "rb") as stream:  # a named stream works too
        assert len(list(iter_file(stream))) == 1


def test_unknown_formats_are_refused(tmp_path: Path) -> None:
    (tmp_path / "data.json").write_bytes(b"[]")
    with pytest.raises(ImportFileError, match="cannot tell the format of 'data.json'"):
        iter_file(tmp_path / "data.json")
    with pytest.raises(ImportFileError, match="stream without a name"):
        iter_file(io.BytesIO(b""))
    with pytest.raises(ImportFileError, match="unknown import format 'xml'"):
        iter_file(io.BytesIO(b""), "xml")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary stream"):
        iter_file(io.StringIO("{}"), "jsonl")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_bytes_read_grows_to_the_file_size(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"import.{fmt}"
    if fmt == "csv":
        rows = "".join(f'x,{i},a{i},"text\n{i}",2026-09-01T12:00:00Z\n' for i in range(300))
        path.write_text("platform,external_id,author_id,text,created_at\n" + rows, encoding="utf-8")
    else:
        path.write_bytes(jsonl(*(good(i) for i in range(300)), "{broken"))
    size = path.stat().st_size
    reader = iter_file(path)
    assert (reader.total_bytes, reader.bytes_read) == (size, 0)
    seen = [reader.bytes_read for _ in reader]
    assert len(seen) == (301 if fmt == "jsonl" else 300)
    assert seen == sorted(seen) and len(set(seen)) == len(seen)  # strictly increasing
    assert 0 < seen[0] < size / 100
    assert seen[-1] == reader.bytes_read == size


class _LineOnlyStream(io.BufferedReader):
    """Fails the test if the parser ever reads without a bound."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))  # type: ignore[arg-type]
        self.limits: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("read() would load the whole file")

    def readlines(self, hint: int = -1) -> list[bytes]:
        raise AssertionError("readlines() would load the whole file")

    def readline(self, size: int | None = -1) -> bytes:
        assert size is not None and 0 < size <= MAX_LINE_BYTES + 2, size
        self.limits.append(size)
        return super().readline(size)

    def __iter__(self) -> Any:
        raise AssertionError("iterating a stream reads unbounded lines")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_memory_is_bounded_by_construction_every_read_is_a_bounded_readline(fmt: str) -> None:
    if fmt == "csv":
        data = b"platform,external_id,author_id,text,created_at\n" + b"".join(
            b'x,%d,a,"t\nt",2026-09-01T12:00:00Z\n' % i for i in range(50)
        )
    else:
        data = jsonl(*(good(i) for i in range(50)), good(99, text="x" * (MAX_LINE_BYTES * 3)))
    stream = _LineOnlyStream(data)
    items = list(iter_file(stream, fmt))  # type: ignore[arg-type]
    assert len(mentions(items)) == 50
    assert stream.limits


# --- never raises on junk ------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
schema_items = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        for key in (
            "platform",
            "external_id",
            "author",
            "text",
            "title",
            "created_at",
            "kind",
            "url",
        )
    },
)


@settings(max_examples=150, deadline=None)
@given(st.lists(schema_items | json_values | st.binary(max_size=40), max_size=8))
def test_junk_lines_become_line_errors_and_never_raise(lines: list[Any]) -> None:
    raw_lines = []
    for line in lines:
        raw = line if isinstance(line, bytes) else json.dumps(line).encode()
        raw_lines.append(raw.replace(b"\n", b"").replace(b"\r", b""))
    raw_lines.append(json.dumps(good(1)).encode())
    data = b"\n".join(raw_lines)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = b"\n" + data
    items = parse(data)
    assert all(isinstance(i, LineError) or isinstance(i[1], Mention) for i in items)
    last = items[-1]
    assert not isinstance(last, LineError)  # the good last line is intact
    assert last[0] == data.count(b"\n") + 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=8))
def test_junk_csv_rows_never_raise(rows: list[str]) -> None:
    data = ("platform,external_id,author_id,text,created_at\n" + "\n".join(rows)).encode()
    data += b"\nx,last,a,t,2026-09-01T12:00:00Z\n"
    items = parse(data, "csv")
    assert all(isinstance(i, LineError) or isinstance(i[1], Mention) for i in items)


def test_author_profile_facts_are_read_and_checked() -> None:
    author = {"id": "a1", "bio": "also @jo@fosstodon.org", "website": " jo.example.org ", "links": ["https://x.com/jo"]}
    [(_, m)] = parse(jsonl(good(author=author)))  # type: ignore[misc]
    assert (m.author.bio, m.author.website, m.author.links) == ("also @jo@fosstodon.org", "jo.example.org", ("https://x.com/jo",))
    [bad] = errors(parse(jsonl(good(author={"id": "a1", "links": "https://x.com/jo"}))))
    assert "author.links must be a list of URLs" in bad.reason
