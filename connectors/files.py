"""Streaming parser for file imports (JSONL and CSV) in the public import schema.

One mention per JSONL line or CSV row. The file is read from a binary stream one physical line
at a time, so memory stays constant however large the file is; ``ImportReader.bytes_read``
says how far it got, for a progress bar.

Every bad line becomes a :class:`LineError` (connectors/import_schema.py, which maps one item of
the schema to a Mention) with its line number and a reason a user can act
on; the lines around it still parse. Only a file that cannot be read at all (unknown format,
a CSV without a header or without the required columns, UTF-16) raises :class:`ImportFileError`.

Decisions a reader might otherwise "fix":

* ``created_at`` is ISO 8601 (``datetime.fromisoformat``): ``Z`` and offsets are accepted and
  converted to UTC; a timestamp without a zone is taken as UTC, because exports from most
  tools write UTC without saying so.
* ``platform`` and ``kind`` are lower-cased; ids given as JSON whole numbers become strings
  (X ids are often written as numbers).
* ``kind`` values and text lengths are left to ``crm.ingest``, which quarantines with a reason;
  everything that is a parse or type error is caught here.
* A line longer than ``MAX_LINE_BYTES`` is an error for that line. In a CSV file the csv
  module's own field limit (128 KiB) also applies; after a broken multi-line CSV record,
  parsing resumes at the next physical line.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from typing import IO, Any, Literal

from connectors.import_schema import RAW_TEXT_LIMIT, LineError, ParsedLine, convert, type_name

Format = Literal["jsonl", "csv"]
MAX_LINE_BYTES = 1024 * 1024
EXTENSIONS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json-lines": "jsonl",
    ".csv": "csv",
}
_DRAIN_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"

CSV_AUTHOR_COLUMNS = {
    "author_id": "id",
    "author_handle": "handle",
    "author_display_name": "display_name",
    "author_profile_url": "profile_url",
    "author_avatar_url": "avatar_url",
    "author_followers": "followers",
    "author_bio": "bio",
    "author_website": "website",
}
CSV_REQUIRED_COLUMNS = ("platform", "external_id", "author_id", "created_at")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, header, encoding); the message says why."""


class _BadLine(Exception):
    """A physical line that cannot be decoded or is too long."""

    def __init__(self, reason: str, raw_text: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw_text = raw_text


class _Lines:
    """Physical lines of a binary stream, decoded one at a time, counting bytes and lines."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.line_no = 0
        self.bytes_read = 0

    def read(self) -> str | None:
        """The next line with its line ending, or None at the end; raises _BadLine."""
        chunk = self.stream.readline(self.limit + 2)
        if not chunk:
            return None
        if not isinstance(chunk, bytes):
            raise TypeError("iter_file needs a binary stream: open the file with 'rb'")
        self.line_no += 1
        self.bytes_read += len(chunk)
        if self.line_no == 1:
            if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise ImportFileError("the file is UTF-16; save it as UTF-8 and import it again")
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if not chunk.endswith(b"\n") and len(chunk) >= self.limit + 2:
            self._drain()
            raise _BadLine(self._too_long(), _preview(chunk))
        if len(chunk.rstrip(b"\r\n")) > self.limit:
            raise _BadLine(self._too_long(), _preview(chunk))
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = chunk[exc.start]
            raise _BadLine(
                f"not valid UTF-8 (byte 0x{bad:02x} at byte {exc.start + 1}); "
                "save the file as UTF-8",
                _preview(chunk),
            ) from None

    def _too_long(self) -> str:
        return f"line is longer than {self.limit:,} bytes"

    def _drain(self) -> None:
        """Skip the rest of an over-long line without holding it in memory."""
        while True:
            more = self.stream.readline(_DRAIN_CHUNK)
            self.bytes_read += len(more)
            if not more or more.endswith(b"\n"):
                return


def _preview(chunk: bytes) -> str:
    return chunk[:RAW_TEXT_LIMIT].decode("utf-8", errors="replace").rstrip("\r\n")


class _CsvSource:
    """Feeds csv.reader physical lines; a class, not a generator, so it survives a _BadLine."""

    def __init__(self, lines: _Lines) -> None:
        self.lines = lines
        self.record: list[str] = []
        self.record_bytes = 0

    def start_record(self) -> None:
        self.record = []
        self.record_bytes = 0

    def text(self) -> str:
        text = "".join(self.record)
        return (
            text[:RAW_TEXT_LIMIT]
            if len(text) > RAW_TEXT_LIMIT
            else text.removesuffix("\n").removesuffix("\r")
        )

    def __iter__(self) -> _CsvSource:
        return self

    def __next__(self) -> str:
        before = self.lines.bytes_read
        line = self.lines.read()
        if line is None:
            raise StopIteration
        self.record_bytes += self.lines.bytes_read - before
        if self.record_bytes > self.lines.limit:
            raise _BadLine(f"row is longer than {self.lines.limit:,} bytes", self.text())
        if self.record_bytes <= RAW_TEXT_LIMIT:
            self.record.append(line)
        return line


class ImportReader(Iterator[ParsedLine]):
    """Iterates the parsed lines of one import file; ``bytes_read`` is the progress so far."""

    def __init__(
        self,
        source: str | os.PathLike[str] | IO[bytes],
        fmt: Format | None = None,
        *,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self.format = _detect_format(source, fmt)
        if isinstance(source, io.TextIOBase):
            raise TypeError("iter_file needs a binary stream: open the file with 'rb'")
        if isinstance(source, str | os.PathLike):
            self._stream: IO[bytes] = open(source, "rb")  # noqa: SIM115 - closed by close()
            self._owns_stream = True
        else:
            self._stream = source
            self._owns_stream = False
        self.total_bytes = _size_of(self._stream)
        self._lines = _Lines(self._stream, max_line_bytes)
        self._items = self._jsonl() if self.format == "jsonl" else self._csv()

    @property
    def bytes_read(self) -> int:
        """Bytes consumed from the stream so far (equals ``total_bytes`` at the end)."""
        return self._lines.bytes_read

    @property
    def lines_read(self) -> int:
        """Physical lines consumed so far."""
        return self._lines.line_no

    def __iter__(self) -> ImportReader:
        return self

    def __next__(self) -> ParsedLine:
        try:
            return next(self._items)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the file if this reader opened it."""
        if self._owns_stream:
            self._stream.close()

    def __enter__(self) -> ImportReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _jsonl(self) -> Iterator[ParsedLine]:
        lines = self._lines
        while True:
            try:
                text = lines.read()
            except _BadLine as exc:
                yield LineError(lines.line_no, exc.reason, exc.raw_text)
                continue
            if text is None:
                return
            body = text.rstrip("\r\n")
            if not body.strip():
                continue
            line_no, raw_text = lines.line_no, body[:RAW_TEXT_LIMIT]
            try:
                obj = json.loads(body, parse_constant=_reject_constant)
            except json.JSONDecodeError as exc:
                yield LineError(
                    line_no, f"invalid JSON ({exc.msg} at column {exc.colno})", raw_text
                )
                continue
            except RecursionError:
                yield LineError(line_no, "invalid JSON (nested too deeply)", raw_text)
                continue
            except ValueError as exc:
                # e.g. a 5,000-digit number; keep the message, drop the hint for programmers.
                yield LineError(line_no, f"invalid JSON ({str(exc).split(':')[0]})", raw_text)
                continue
            if not isinstance(obj, dict):
                reason = f"expected a JSON object {{...}}, got {type_name(obj)}"
                yield LineError(line_no, reason, raw_text)
                continue
            yield convert(line_no, obj, obj, raw_text, csv_names=False)

    def _csv(self) -> Iterator[ParsedLine]:
        lines = self._lines
        header_text = None
        while header_text is None or not header_text.strip():
            try:
                header_text = lines.read()
            except _BadLine as exc:
                raise ImportFileError(f"line {lines.line_no}: header row: {exc.reason}") from None
            if header_text is None:
                raise ImportFileError("the file is empty: a CSV import needs a header row")
        delimiter = _sniff_delimiter(header_text)
        names = _read_header(header_text, delimiter)
        source = _CsvSource(lines)
        reader = csv.reader(source, delimiter=delimiter)
        while True:
            line_no = lines.line_no + 1
            source.start_record()
            try:
                row = next(reader)
            except StopIteration:
                return
            except _BadLine as exc:
                yield LineError(line_no, exc.reason, exc.raw_text)
                continue
            except csv.Error as exc:
                yield LineError(line_no, f"malformed CSV row ({exc})", source.text())
                continue
            if not any(field.strip() for field in row):
                continue
            raw_text = source.text()
            if len(row) != len(names):
                reason = f"row has {len(row)} fields but the header has {len(names)}"
                yield LineError(line_no, reason, raw_text)
                continue
            raw = dict(zip(names, row, strict=True))
            obj: dict[str, Any] = {k: v for k, v in raw.items() if k not in CSV_AUTHOR_COLUMNS}
            obj["author"] = {CSV_AUTHOR_COLUMNS[k]: raw[k] for k in CSV_AUTHOR_COLUMNS if k in raw}
            yield convert(line_no, obj, raw, raw_text, csv_names=True)


def iter_file(
    source: str | os.PathLike[str] | IO[bytes], fmt: Format | None = None
) -> ImportReader:
    """Parse an import file lazily; yields ``(line_no, Mention)`` or ``LineError`` per line."""
    return ImportReader(source, fmt)


def _detect_format(source: object, fmt: str | None) -> Format:
    if fmt is not None:
        if fmt not in ("jsonl", "csv"):
            raise ImportFileError(f"unknown import format {fmt!r}; use 'jsonl' or 'csv'")
        return fmt  # type: ignore[return-value]
    name = source if isinstance(source, str | os.PathLike) else getattr(source, "name", None)
    if isinstance(name, str | os.PathLike):
        lower = os.fspath(name).lower()
        for ext, found in EXTENSIONS.items():
            if lower.endswith(ext):
                return found
        raise ImportFileError(
            f"cannot tell the format of {os.path.basename(lower)!r}: "
            f"name it {', '.join(EXTENSIONS)} or choose the format"
        )
    raise ImportFileError("cannot tell the format of a stream without a name; choose jsonl or csv")


def _size_of(stream: IO[bytes]) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        pass
    try:
        if stream.seekable():
            here = stream.tell()
            end = stream.seek(0, io.SEEK_END)
            stream.seek(here)
            return end - here
    except (AttributeError, OSError, ValueError):
        pass
    return None


def _sniff_delimiter(header: str) -> str:
    """',' unless the header line has more ';' (spreadsheet exports in German locales)."""
    return ";" if header.count(";") > header.count(",") else ","


def _read_header(header: str, delimiter: str) -> list[str]:
    names = [n.strip().lower() for n in next(csv.reader([header], delimiter=delimiter))]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise ImportFileError(f"the header names column {name!r} twice")
        seen.add(name)
    missing = [c for c in CSV_REQUIRED_COLUMNS if c not in seen]
    if "text" not in seen and "title" not in seen:
        missing.append("text (or title)")
    if missing:
        raise ImportFileError(
            f"the header row lacks required columns: {', '.join(missing)} "
            f"(found: {', '.join(n for n in names if n)[:300]})"
        )
    return names


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON value")
