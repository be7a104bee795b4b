"""The 1,000,000-interaction data set of the query benchmarks, built once and cached.

Rows are generated deterministically and written as COPY files to
``bench/.cache/queries-<key>/``; ``<key>`` changes with DATA_VERSION, the size and the
0001 migration (index changes rebuild the SQLite cache). PostgreSQL gets a fresh database
per run, loaded with COPY (secondary indexes dropped for the load and re-created from their
own definitions afterwards, then ANALYZE). SQLite gets a copy of a cached, migrated file.

The data: 50,000 members with one identity each; member 1 has exactly 2,000 interactions
(the timeline case). ``occurred_at`` mostly follows insertion order with an hour of jitter,
but 10% of rows are back-filled at random older times, so id order is *not* time order.
Planted words (bench.common.PLANTED) appear in 0.05%, 0.5% and 15% of rows.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import CACHE_DIR, PLANTED, PLATFORMS, START, TextMaker, create_pg_database, say

DATA_VERSION = "q4"  # q4: search_terms (stemmed words) per row
MEMBERS = 50_000
TIMELINE_MEMBER = 1
TIMELINE_ROWS = 2_000
_VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
_MIGRATIONS = (_VERSIONS / "0001_foundation.py", _VERSIONS / "0015_i18n_search.py")
INTERACTION_COLS = (
    "id", "platform", "external_id", "kind", "text", "occurred_at", "language", "sentiment",
    "sentiment_label", "identity_id", "member_id", "created_at", "search_terms",
)


def cache_key(n: int) -> str:
    digest = hashlib.sha1(b"".join(m.read_bytes() for m in _MIGRATIONS)).hexdigest()[:8]
    return f"{DATA_VERSION}-{n}-{digest}"


def _cache_dir(n: int) -> Path:
    return CACHE_DIR / f"queries-{cache_key(n)}"


def _ts(dt: Any) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def build_files(n: int) -> Path:
    """Write members/identities/interactions COPY files (tab-separated, ``\\N`` for NULL)."""
    out = _cache_dir(n)
    if (out / "done").exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    from crm.interactions.terms import index_terms

    say(f"generating {n:,} interactions into {out}")
    rng = random.Random(7)
    texts = TextMaker(7)
    now = _ts(START)
    with open(out / "members.tsv", "w") as fm, open(out / "identities.tsv", "w") as fi:
        for m in range(1, MEMBERS + 1):
            p = PLATFORMS[m % len(PLATFORMS)]
            fm.write(f"{m}\tMember {m}\tmember {m} m{m}\t{p}\t{now}\t{now}\n")
            fi.write(f"{m}\t{m}\t{p}\tu{m}\tm{m}\tMember {m}\t{now}\t{now}\n")
    timeline_rows = set(rng.sample(range(n), TIMELINE_ROWS))
    weights = [1.0 / (r + 1) ** 0.5 for r in range(MEMBERS - 1)]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    members = rng.choices(range(2, MEMBERS + 1), cum_weights=cum, k=n)
    span = 30 * n  # seconds: 30 s per interaction on average
    planted = [(word, rate) for word, rate in PLANTED.values()]
    with open(out / "interactions.tsv", "w") as f:
        for i in range(n):
            member = TIMELINE_MEMBER if i in timeline_rows else members[i]
            if rng.random() < 0.10:
                t = START + timedelta(seconds=rng.randint(0, span))
            else:
                t = START + timedelta(seconds=30 * i + rng.randint(0, 3600))
            body, lang = texts.text()
            words = None
            for word, rate in planted:
                if rng.random() < rate:
                    words = words or body.split(" ")
                    words.insert(rng.randint(0, len(words)), word)
            if words:
                body = " ".join(words)
            s = round(rng.uniform(-1, 1), 4)
            label = "positive" if s >= 0.05 else "negative" if s <= -0.05 else "neutral"
            p = PLATFORMS[member % len(PLATFORMS)]
            ts = _ts(t)
            terms = index_terms(lang, None, body, f"m{member}")
            f.write(f"{i + 1}\t{p}\t{p[0]}{i}\tpost\t{body}\t{ts}\t{lang}\t{s}\t{label}\t{member}\t{member}\t{ts}\t{terms}\n")
    (out / "done").write_text(cache_key(n))
    return out


def load_postgres(n: int) -> tuple[str, str]:
    """A fresh, migrated, loaded and analysed PostgreSQL database: (name, url)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from crm.migrate import upgrade

    files = build_files(n)
    name, url = create_pg_database()
    upgrade(url)
    t0 = time.perf_counter()
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'interactions' "
            "AND indexname NOT IN ('pk_interactions', 'uq_interactions_platform_external_id')"
        ).fetchall()
        for idx, _ in indexes:
            conn.execute(f'DROP INDEX "{idx}"')
        for table, cols in (
            ("members", "id, display_name, search_name, platforms, created_at, updated_at"),
            ("identities", "id, member_id, platform, external_id, handle, display_name, created_at, updated_at"),
            ("interactions", ", ".join(INTERACTION_COLS)),
        ):
            with conn.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy, open(files / f"{table}.tsv", "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        for seq_table in ("members", "identities", "interactions"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), (SELECT max(id) FROM {seq_table}))")  # noqa: S608
        conn.commit()
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("UPDATE members SET interaction_count = c FROM (SELECT member_id, count(*) c FROM interactions GROUP BY 1) x WHERE x.member_id = members.id")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    say(f"postgresql: loaded {n:,} interactions in {time.perf_counter() - t0:.0f} s")
    return name, url


def sqlite_file(n: int, workdir: Path) -> str:
    """A copy of the cached SQLite database in ``workdir``; its URL."""
    files = build_files(n)
    cached = files / "bench.sqlite3"
    if not cached.exists():
        _build_sqlite(files, cached, n)
    target = workdir / "bench.sqlite3"
    shutil.copyfile(cached, target)
    return f"sqlite:///{target}"


def _rows(path: Path) -> Any:
    with open(path) as f:
        for line in f:
            yield [None if v == "\\N" else v for v in line.rstrip("\n").split("\t")]


def _build_sqlite(files: Path, target: Path, n: int) -> None:
    from crm.migrate import upgrade

    t0 = time.perf_counter()
    tmp = target.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    upgrade(f"sqlite:///{tmp}")
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO members (id, display_name, search_name, platforms, created_at, updated_at) VALUES (?,?,?,?,?,?)",
        _rows(files / "members.tsv"),
    )
    conn.executemany(
        "INSERT INTO identities (id, member_id, platform, external_id, handle, display_name, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        _rows(files / "identities.tsv"),
    )
    conn.executemany(
        f"INSERT INTO interactions ({', '.join(INTERACTION_COLS)}) VALUES ({', '.join('?' * len(INTERACTION_COLS))})",  # noqa: S608
        _rows(files / "interactions.tsv"),
    )
    conn.execute("INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild')")
    conn.execute("UPDATE members SET interaction_count = (SELECT count(*) FROM interactions i WHERE i.member_id = members.id)")
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("INSERT INTO interactions_fts(interactions_fts) VALUES ('optimize')")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    tmp.rename(target)
    say(f"sqlite: built {n:,} interactions in {time.perf_counter() - t0:.0f} s (cached in {target})")
