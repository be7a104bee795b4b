"""A deterministic demo dataset: about 4,000 mentions of Nimbus, a fictional file-sync app.

:func:`generate` yields dicts in the public import schema (see ``connectors/files.py``): the same
output for the same ``seed`` and ``now``. About 300 people post on reddit, X, Mastodon and blog
feeds (RSS) over the 90 days before ``now``, in English and German (roughly 60/40), with two
releases, an outage day with a burst of negative posts, a burst of sync errors going on in the
last hour, and a team account that answers.

Thread posts have ``parent_id`` and ``thread_id`` null; every reply names its parent and its
thread's first post, both items of the dataset.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from demo import texts_de, texts_en
from demo.builder import RELEASES, Builder, Item
from demo.people import Person

DEFAULT_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROOTS = {"reddit": 340, "x": 740, "mastodon": 440}
OUTAGE_ROOTS = {"x": 85, "mastodon": 45, "reddit": 20}
# Going on right now (the last CURRENT_MINUTES before ``now``): sync errors after the latest
# update, so the demo opens with a live alert to look at.
CURRENT_ROOTS = {"x": 34, "mastodon": 16, "reddit": 6}
CURRENT_MINUTES = 55
MEAN_REPLIES = {"reddit": 3.2, "x": 0.6, "mastodon": 0.8}
REPLY_DELAY_MINUTES = {"reddit": 180, "x": 50, "mastodon": 110}
CATEGORIES = {"praise": 27, "question": 25, "feature": 13, "bug": 18, "complaint": 10}
TEAM_ANSWERS = {"question": 0.35, "bug": 0.45, "complaint": 0.35, "praise": 0.12}
# What people answer to a post of each category, with weights.
REPLIES = {
    "praise": {"agree": 8, "question": 1},
    "question": {"answer": 7, "metoo": 1},
    "feature": {"plusone": 6, "answer": 1},
    "bug": {"metoo": 6, "answer": 4},
    "complaint": {"metoo": 5, "answer": 2, "agree": 1},
    "outage": {"metoo": 1},
    "team_outage": {"metoo": 3, "complaint": 1},
    "team_release": {"agree": 5, "bug": 2, "question": 2},
}


def _category(rng: random.Random) -> str:
    return rng.choices(list(CATEGORIES), weights=list(CATEGORIES.values()))[0]


def _build(b: Builder) -> None:
    rng = b.rng
    roots: list[Item] = []

    def root(platform: str, person: Person, category: str, at: datetime) -> None:
        channel = b.subreddit(person.lang) if platform == "reddit" else None
        roots.append(b.add(platform, person, category, person.lang, at, channel=channel))

    community = [p for p in b.people if not p.is_team and p.feed is None]
    for person in community:  # everyone posts at least once
        platform = next(iter(person.accounts))
        root(platform, person, _category(rng), b.random_time(person.lang))
    counts = {p: sum(1 for r in roots if r.platform == p) for p in ROOTS}
    for platform, target in ROOTS.items():
        for _ in range(target - counts[platform]):
            person = b.member(platform, None)
            root(platform, person, _category(rng), b.random_time(person.lang))

    for days_ago, _version in RELEASES:
        at = (b.now - timedelta(days=days_ago)).replace(hour=15, minute=0, second=0)
        for platform in ("x", "mastodon", "reddit"):
            lang = "de" if platform == "mastodon" else "en"
            at += timedelta(minutes=rng.randrange(2, 9))
            channel = "nimbussync" if platform == "reddit" else None
            roots.append(b.add(platform, b.team, "team_release", lang, at, channel=channel))

    for platform, count in OUTAGE_ROOTS.items():
        for _ in range(count):
            person = b.member(platform, None)
            minutes = min(rng.expovariate(1 / 70), 300) + 3
            root(platform, person, "outage", b.outage_start + timedelta(minutes=minutes))
    for minutes in (28, 110, 220, 280):
        for platform in ("x", "mastodon"):
            lang = "de" if platform == "mastodon" else "en"
            at = b.outage_start + timedelta(minutes=minutes + rng.randrange(4))
            roots.append(b.add(platform, b.team, "team_outage", lang, at))
    at = b.outage_start + timedelta(minutes=31)
    roots.append(b.add("reddit", b.team, "team_outage", "en", at, channel="nimbussync"))
    for platform, count in CURRENT_ROOTS.items():
        for _ in range(count):
            person = b.member(platform, None)
            at = b.now - timedelta(minutes=rng.uniform(1, CURRENT_MINUTES))
            root(platform, person, "outage", at)

    feeds = [(p, p.feed) for p in b.people if p.feed is not None]
    for feed, info in feeds:
        texts = texts_de if feed.lang == "de" else texts_en
        for post in rng.sample(texts.RSS_POSTS, rng.randrange(3, len(texts.RSS_POSTS) + 1)):
            b.add_rss(feed, info, b.random_time(feed.lang), post)
    for n, lang in enumerate(("en", "de")):
        feed, info = next((p, i) for p, i in feeds if p.lang == lang)
        texts = texts_de if lang == "de" else texts_en
        b.add_rss(feed, info, b.outage_start + timedelta(days=1 + n, hours=5), texts.RSS_OUTAGE)

    megathread = next(r for r in roots if r.platform == "reddit" and r.category == "outage")
    for r in roots:
        _replies(b, r, big=r is megathread)


def _replies(b: Builder, root: Item, *, big: bool) -> None:
    """A thread under ``root``: maybe a team answer (and a thank-you), then community replies."""
    rng, platform = b.rng, root.platform
    outage = root.category in ("outage", "team_outage")
    mean_delay = 15 if outage else REPLY_DELAY_MINUTES[platform]
    thread = [root]
    if not root.person.is_team and rng.random() < TEAM_ANSWERS.get(root.category, 0.0):
        at = b.reply_time(root, 90)
        if at is not None:
            answer = b.add(
                platform, b.team, f"team_{root.category}", root.lang, at, root, root.channel
            )
            thread.append(answer)
            thanks_at = b.reply_time(answer, 120)
            if (
                thanks_at is not None
                and root.category in ("question", "bug")
                and rng.random() < 0.45
            ):
                thread.append(
                    b.add(
                        platform, root.person, "thanks", root.lang, thanks_at, answer, root.channel
                    )
                )
    mean = MEAN_REPLIES[platform] * (3 if root.person.is_team else 1)
    count = int(rng.expovariate(1 / mean)) if mean else 0
    if rng.random() < 0.05:
        count *= 4
    if big:
        count = 35
    choices = REPLIES.get(root.category, REPLIES["question"])
    for _ in range(count):
        parent = root if rng.random() < 0.6 else rng.choice(thread)
        if parent.depth >= 6:
            parent = root
        at = b.reply_time(parent, mean_delay)
        if at is None:
            continue
        person = b.member(platform, root.lang, avoid=parent.person)
        category = rng.choices(list(choices), weights=list(choices.values()))[0]
        reply = b.add(platform, person, category, person.lang, at, parent, root.channel)
        thread.append(reply)
        if category == "answer" and parent is root and not root.person.is_team:
            thanks_at = b.reply_time(reply, 120)
            if thanks_at is not None and rng.random() < 0.3:
                thread.append(
                    b.add(
                        platform, root.person, "thanks", root.lang, thanks_at, reply, root.channel
                    )
                )


def generate(seed: int = 7, now: datetime = DEFAULT_NOW) -> Iterator[dict[str, Any]]:
    """Yield the demo mentions (import-schema dicts) in time order; same seed, same output."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware, e.g. datetime.now(UTC)")
    builder = Builder(seed, now.astimezone(UTC))
    _build(builder)
    builder.items.sort(key=lambda item: (item.at, item.platform, item.external_id))
    for item in builder.items:
        yield item.data


def write_jsonl(path: str | os.PathLike[str], seed: int = 7, now: datetime = DEFAULT_NOW) -> int:
    """Write the demo dataset as UTF-8 JSONL to ``path``; return the number of lines."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for item in generate(seed, now):
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count
