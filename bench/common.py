"""Shared pieces of the benchmarks: results, scratch databases, deterministic synthetic data.

Everything here is deterministic (seeded ``random.Random``), so two runs measure the same
work. Scratch databases are created per run and dropped afterwards: a PostgreSQL database
named ``crm_bench_<random>`` on BENCH_PG_URL's server, or a SQLite file in a temp dir.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
# Any database on the server will do: the bench connects to it only to create its own.
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("postgresql", "sqlite")


# --- results -----------------------------------------------------------------------------
@dataclass
class Result:
    """One measured number and its target. ``passed`` is None for numbers without a target."""

    bench: str
    metric: str
    backend: str
    measured: float | None
    unit: str
    target: str = ""
    passed: bool | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def at_least(value: float, target: float) -> tuple[str, bool]:
    return f">= {target:,g}", value >= target


def at_most(value: float, target: float) -> tuple[str, bool]:
    return f"<= {target:,g}", value <= target


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


def say(msg: str) -> None:
    """Progress on stderr-ish stdout, flushed so a long run shows where it is."""
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def load_models() -> None:
    """Import every model, as the entry points do, so relationships between areas resolve."""
    import crm.models  # noqa: F401


# --- scratch databases -------------------------------------------------------------------
def postgres_available() -> str | None:
    """None when the bench PostgreSQL answers, else the reason it does not."""
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(PG_ADMIN_URL)
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
    except Exception as exc:  # noqa: BLE001 - reported as the reason PostgreSQL is skipped
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {str(exc).splitlines()[0]}"
    return None


def _pg_admin() -> Any:
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_pg_database(template: str | None = None) -> tuple[str, str]:
    """A new empty (or copied-from-``template``) database: (name, url)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = f"crm_bench_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    return name, url


def drop_pg_database(name: str) -> None:
    from sqlalchemy import text

    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def scratch_database(backend: str, *, migrate: bool = True) -> Iterator[str]:
    """A database URL for this run only, migrated with crm.migrate.upgrade; dropped afterwards."""
    from crm.migrate import upgrade

    if backend == "postgresql":
        name, url = create_pg_database()
        try:
            if migrate:
                upgrade(url)
            yield url
        finally:
            drop_pg_database(name)
        return
    tmp = Path(tempfile.mkdtemp(prefix="crm_bench_"))
    try:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        if migrate:
            upgrade(url)
        yield url
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- synthetic text ----------------------------------------------------------------------
EN_WORDS = (
    "the and is are was you your with this that have not for but what how why it just from they "
    "their there would could should app update phone order delivery support team customer service "
    "price plan account login password screen battery camera store refund shipping package week "
    "today yesterday tomorrow again still never always really very much more less new old issue "
    "problem question answer help please thanks anyone know does work working broken fixed slow "
    "fast release version feature bug crash sync cloud data export import settings night mode "
    "love great good nice awesome amazing excellent happy recommend helpful perfect fantastic "
    "bad terrible awful hate worst annoying disappointed angry useless horrible sad expensive "
    "waiting hours days minutes call email chat ticket response reply finally actually maybe "
    "i me my we our us he she him her them one two three first last next other same own"
).split()
DE_WORDS = (
    "der die das und ist sind war nicht ich du sie wir ihr mit für auf ein eine einen auch wie "
    "kann noch schon aber oder wenn dass bei von zu hat habe haben mein dein euer app handy "
    "bestellung paket lieferzeit kundendienst preis tarif konto anmeldung passwort bildschirm "
    "akku kamera laden rückerstattung versand woche heute gestern morgen wieder immer nie sehr "
    "viel mehr weniger neu alt frage antwort hilfe bitte danke jemand weiß geht funktioniert "
    "kaputt repariert langsam schnell version funktion fehler absturz daten einstellungen "
    "gut super toll klasse prima genial schön zufrieden empfehlen hilfreich perfekt "
    "schlecht schlimm furchtbar mies ärgerlich enttäuscht nervig nutzlos teuer leider "
    "warten stunden tage minuten anruf mail ticket endlich eigentlich vielleicht"
).split()
# Words planted at fixed rates for the search benchmark (not in any vocabulary above).
PLANTED = {"rare": ("quokkaflux", 0.0005), "mid": ("zeppelinblau", 0.005), "common": ("lieferstatus", 0.15)}


class TextMaker:
    """Deterministic short social texts, 10-60 words, about 60% English and 40% German.

    The vocabulary is the word lists above plus a long tail of made-up words (product names,
    typos, hashtags) drawn with Zipf-like weights, so full-text indexes see a realistic mix of
    very common and very rare terms.
    """

    def __init__(self, seed: int, tail: int = 30_000) -> None:
        self.rng = random.Random(seed)
        syll = "ka lo mi ne tu ra so ve xi be da fo gu hi jo pe qu ri sa ti wo zy ch st ei au".split()
        trng = random.Random(seed + 1)
        tail_words = sorted(
            {"".join(trng.choice(syll) for _ in range(trng.randint(2, 4))) for _ in range(tail)}
        )
        for word, _ in PLANTED.values():
            assert word not in tail_words
        self.vocab = {}
        for lang, base in (("en", EN_WORDS), ("de", DE_WORDS)):
            words = list(base) + tail_words
            weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(words))]
            cum, total = [], 0.0
            for w in weights:
                total += w
                cum.append(total)
            self.vocab[lang] = (words, cum)

    def text(self) -> tuple[str, str]:
        """(text, language)."""
        rng = self.rng
        lang = "en" if rng.random() < 0.6 else "de"
        words, cum = self.vocab[lang]
        chosen = rng.choices(words, cum_weights=cum, k=rng.randint(10, 60))
        if rng.random() < 0.3:
            chosen.append(rng.choice("!?.") * rng.randint(1, 3))
        return " ".join(chosen), lang


# --- synthetic mentions ------------------------------------------------------------------
PLATFORMS = ("reddit", "x", "mastodon", "forum")
START = datetime(2026, 1, 1, tzinfo=UTC)


def make_mentions(n: int, n_authors: int, seed: int = 42) -> list[Any]:
    """``n`` Mentions from ``n_authors`` authors on 4 platforms, oldest first, realistic reuse.

    Authors are drawn with Zipf-like weights (a few very active people, many who post once);
    about 2% of mentions carry a changed follower count, so profile refreshes happen too.
    """
    from connectors.base import Author, Mention

    rng = random.Random(seed)
    texts = TextMaker(seed)
    weights = [1.0 / (rank + 1) ** 0.6 for rank in range(n_authors)]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    authors = []
    for a in range(n_authors):
        platform = PLATFORMS[a % len(PLATFORMS)]
        authors.append(
            Author(
                id=f"u{a}", handle=f"user_{a}", display_name=f"User {a} {platform}",
                profile_url=f"https://{platform}.example/u/{a}", followers=(a * 7919) % 50_000,
            )
        )
    picks = rng.choices(range(n_authors), cum_weights=cum, k=n)
    mentions = []
    step = timedelta(days=30) / max(n, 1)
    for i, a in enumerate(picks):
        author = authors[a]
        if rng.random() < 0.02:
            author = Author(author.id, author.handle, author.display_name, author.profile_url,
                            followers=(author.followers or 0) + rng.randint(1, 100))
        platform = PLATFORMS[a % len(PLATFORMS)]
        body, lang = texts.text()
        created = START + step * i + timedelta(seconds=rng.randint(0, 600))
        ext = f"{platform[0]}{i}"
        kind = rng.choice(("post", "comment", "comment", "reply", "mention"))
        mentions.append(
            Mention(
                platform=platform, external_id=ext, author=author, created_at=created, text=body,
                kind=kind, url=f"https://{platform}.example/p/{ext}", channel=f"c{a % 17}",
                thread_id=f"{platform[0]}{i - i % 7}" if kind in ("comment", "reply") else None,
                raw={"id": ext, "score": rng.randint(0, 500), "lang_hint": lang, "text": body},
            )
        )
    return mentions


def env_for_subprocess(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
