"""The machinery behind the demo dataset: time, ids, texts and one item at a time."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from demo import texts_de, texts_en
from demo.people import Person, ascii_handle, base36, make_people

DAYS = 90
OUTAGE_DAYS_AGO = 23
RELEASES = ((62, "3.9.0"), (50, "3.9.1"), (14, "3.10.0"))  # (days before now, version)
FIRST_VERSION = "3.8.2"
SUBREDDITS = {
    "en": (["nimbussync", "selfhosted", "sysadmin", "DataHoarder"], [6, 2, 1, 1]),
    "de": (["de_EDV", "nimbussync", "de"], [6, 3, 1]),
}
TEAM_MENTION = {
    "reddit": "u/nimbus_team",
    "x": "@nimbus_team",
    "mastodon": "@nimbus_team@fosstodon.org",
}
OSES = [
    "Windows 11",
    "Windows 10",
    "macOS 15",
    "macOS 14",
    "Ubuntu 24.04",
    "Fedora 41",
    "Debian 12",
    "Arch",
    "Linux Mint",
    "NixOS",
    "Pop!_OS",
]
ERRORS = [
    "ERR_SYNC_409",
    "E_TOKEN_EXPIRED",
    "'database is locked'",
    "'checksum mismatch'",
    "ECONNRESET",
    "ERR_QUOTA_EXCEEDED",
    "'upload session expired'",
]
OUTAGE_ERRORS = ["HTTP 502", "ERR_SYNC_503", "ETIMEDOUT", "'service unavailable'"]
COMPETITORS = [
    "Dropbox",
    "OneDrive",
    "Google Drive",
    "Syncthing",
    "Nextcloud",
    "iCloud Drive",
    "pCloud",
]
SIZES = ["600 MB", "12 GB", "40 GB", "75 GB", "180 GB", "2 TB"]
SMALL_NUMBERS = [3, 4, 5, 7, 12, 14, 20, 30, 45]
# Hour-of-day weights in UTC: German speakers in CET, English speakers spread over UK and US.
HOURS = {
    "de": [1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 9, 9, 10, 9, 9, 9, 9, 10, 10, 9, 7, 4, 2, 1],
    "en": [5, 4, 4, 3, 2, 2, 2, 3, 5, 6, 6, 6, 7, 8, 9, 9, 9, 9, 8, 8, 7, 7, 6, 6],
}
X_EPOCH_MS = 1288834974657
# A sentence of 19+ characters ending in . ? or ! after two non-spaces (so "z. B." is no end).
FIRST_SENTENCE = re.compile(r"^(.{16,200}?\S\S[.?!])\s+(.+)$", re.S)
POSITIVE = {"praise", "agree", "thanks", "plusone"}
NEGATIVE = {"bug", "complaint", "outage", "metoo"}


@dataclass
class Item:
    at: datetime
    platform: str
    person: Person
    category: str
    lang: str
    external_id: str
    channel: str | None
    root: Item | None
    depth: int
    data: dict[str, Any]


class Builder:
    """Holds the random state while the dataset is built; one instance per ``generate`` call."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - timedelta(days=DAYS)
        self.items: list[Item] = []
        self.used: set[str] = set()
        self.people = make_people(self.rng)
        self.team = self.people[0]
        self.pools: dict[tuple[str, str | None], tuple[list[Person], list[float]]] = {}
        community = [p for p in self.people if not p.is_team and p.feed is None]
        for platform in ("reddit", "x", "mastodon"):
            for lang in ("en", "de", None):
                members = [
                    p for p in community if platform in p.accounts and lang in (None, p.lang)
                ]
                cum, total = [], 0.0
                for p in members:
                    total += p.weight
                    cum.append(total)
                self.pools[(platform, lang)] = (members, cum)
        day = (now - timedelta(days=OUTAGE_DAYS_AGO)).date()
        self.outage_start = datetime(day.year, day.month, day.day, 9, 12, tzinfo=UTC)
        self.day_weights = [self._day_weight(d) for d in range(DAYS)]

    # -- time -------------------------------------------------------------------------------

    def _day_weight(self, day: int) -> float:
        days_ago = DAYS - day
        weight = 0.8 + 0.4 * day / DAYS
        if (self.start + timedelta(days=day)).weekday() >= 5:
            weight *= 0.65
        if any(0 < rel - days_ago + 1 <= 3 for rel, _ in RELEASES):
            weight *= 1.8
        return weight

    def random_time(self, lang: str) -> datetime:
        """A plausible moment in the window: more on weekdays, after releases, at daytime."""
        while True:
            day = self.rng.choices(range(DAYS), weights=self.day_weights)[0]
            hour = self.rng.choices(range(24), weights=HOURS[lang])[0]
            at = self.start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
                days=day, hours=hour, seconds=self.rng.randrange(3600)
            )
            if self.start <= at < self.now - timedelta(minutes=10):
                return at

    def version_at(self, at: datetime) -> str:
        version = FIRST_VERSION
        for days_ago, name in RELEASES:
            if at >= self.now - timedelta(days=days_ago):
                version = name
        return version

    # -- text -------------------------------------------------------------------------------

    def fill(self, template: str, lang: str, platform: str, at: datetime) -> str:
        return template.format_map(self.slots(lang, platform, at))

    def slots(self, lang: str, platform: str, at: datetime) -> dict[str, str]:
        """Random fill-ins for the template slots, fitting the language, platform and moment."""
        rng = self.rng
        texts = texts_de if lang == "de" else texts_en
        feature = rng.choice(texts.FEATURES)
        outage = self.outage_start <= at < self.outage_start + timedelta(hours=6)
        return {
            "feature": feature,
            "Feature": feature[:1].upper() + feature[1:],
            "os": rng.choice(OSES),
            "version": self.version_at(at),
            "error": rng.choice(OUTAGE_ERRORS if outage else ERRORS),
            "competitor": rng.choice(COMPETITORS),
            "n": str(rng.choice(SMALL_NUMBERS)),
            "size": rng.choice(SIZES),
            "minutes": str(rng.choice([2, 5, 10, 15, 20, 30, 45])),
            "device": rng.choice(texts.DEVICES),
            "team": TEAM_MENTION.get(platform, "Nimbus"),
        }

    def text(self, category: str, lang: str, platform: str, at: datetime) -> str:
        texts = texts_de if lang == "de" else texts_en
        body = self.fill(self.rng.choice(texts.TEXTS[category]), lang, platform, at)
        if category.startswith("team_") or category in ("answer", "thanks"):
            return body
        mood = (
            "positive"
            if category in POSITIVE
            else "negative"
            if category in NEGATIVE
            else "neutral"
        )
        if self.rng.random() < 0.2:
            body = self.rng.choice(texts.OPENERS[mood]) + body
        if self.rng.random() < 0.25:
            body += self.rng.choice(texts.CLOSERS[mood])
        return body

    def reddit_post(self, category: str, lang: str, at: datetime, body: str) -> tuple[str, str]:
        """Title and body of a reddit post: mostly the first sentence becomes the title."""
        if category == "team_release":
            return f"Nimbus {self.version_at(at)} is out", body
        if category == "team_outage":
            return "Sync outage: status updates", body
        texts = texts_de if lang == "de" else texts_en
        roll = self.rng.random()
        if roll < 0.75 and (first := FIRST_SENTENCE.match(body)):
            return first.group(1).removesuffix("."), first.group(2)
        if roll < 0.4 and len(body) <= 150:
            return body.removesuffix("."), ""  # a title-only post
        return self.fill(self.rng.choice(texts.TITLES[category]), lang, "reddit", at), body

    # -- items ------------------------------------------------------------------------------

    def new_id(self, platform: str, at: datetime, reply: bool) -> str:
        ms = int(at.timestamp() * 1000)
        while True:
            if platform == "reddit":
                seconds = int(at.timestamp()) - 1_700_000_000
                raw = (36**6 * 12 + seconds * 40) if reply else (36**6 + seconds // 2)
                ext = ("t1_" if reply else "t3_") + base36(raw + self.rng.randrange(4000))
            elif platform == "x":
                ext = str(((ms - X_EPOCH_MS) << 22) | self.rng.randrange(1 << 22))
            else:
                ext = str((ms << 16) | self.rng.randrange(1 << 16))
            if ext not in self.used:
                self.used.add(ext)
                return ext

    def add(
        self,
        platform: str,
        person: Person,
        category: str,
        lang: str,
        at: datetime,
        parent: Item | None = None,
        channel: str | None = None,
    ) -> Item:
        """Create one post or reply and remember it."""
        author = person.accounts[platform]
        ext = self.new_id(platform, at, reply=parent is not None)
        root = parent.root or parent if parent else None
        body = self.text(category, lang, platform, at)
        title = None
        if parent is None and platform == "reddit":
            title, body = self.reddit_post(category, lang, at, body)
        if parent is not None and platform in ("x", "mastodon"):
            # Replies there start by naming who they answer: @jane or @jane@chaos.social.
            handle = parent.person.accounts[platform]["handle"]
            body = f"{handle if handle.startswith('@') else '@' + handle} {body}"
        elif parent is None and platform in ("x", "mastodon") and not person.is_team:
            if self.rng.random() < 0.3 and TEAM_MENTION[platform] not in body:
                body = f"{TEAM_MENTION[platform]} {body}"
        if platform == "x" and len(body) > 280:
            body = body[:279].rsplit(" ", 1)[0] + "…"
        kind = "post"
        if parent is not None:
            kind = "comment" if platform == "reddit" else "reply"
        elif TEAM_MENTION.get(platform, "\0") in body:
            kind = "mention"
        if platform == "reddit":
            post = (root.external_id if root else ext)[3:]
            sub = channel or "nimbussync"
            slug = re.sub(r"[^a-z0-9]+", "_", ascii_title(title or "")).strip("_")[:50]
            url = (
                f"https://www.reddit.com/r/{sub}/comments/{post}/comment/{ext[3:]}/"
                if parent
                else f"https://www.reddit.com/r/{sub}/comments/{post}/{slug}/"
            )
        elif platform == "x":
            url = f"https://x.com/{author['handle']}/status/{ext}"
        else:
            url = f"{author['profile_url']}/{ext}"
        data: dict[str, Any] = {
            "platform": platform,
            "external_id": ext,
            "kind": kind,
            "author": dict(author),
            "text": body,
            "title": title,
            "url": url,
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "parent_id": parent.external_id if parent else None,
            "thread_id": root.external_id if root else None,
            "language": lang,
            "channel": channel,
        }
        item = Item(at, platform, person, category, lang, ext, channel, root, 0, data)
        if parent is not None:
            item.depth = parent.depth + 1
        self.items.append(item)
        return item

    def add_rss(
        self, feed: Person, feed_info: tuple[str, str], at: datetime, post: tuple[str, str]
    ) -> None:
        slots = self.slots(feed.lang, "rss", at)
        title, summary = (part.format_map(slots) for part in post)
        feed_title, domain = feed_info
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_title(title)).strip("-")[:60]
        guid = f"https://{domain}/{at:%Y/%m}/{slug}/"
        while guid in self.used:
            guid = guid.rstrip("/") + "-2/"
        self.used.add(guid)
        self.items.append(
            Item(
                at,
                "rss",
                feed,
                "news",
                feed.lang,
                guid,
                feed_title,
                None,
                0,
                {
                    "platform": "rss",
                    "external_id": guid,
                    "kind": "post",
                    "author": dict(feed.accounts["rss"]),
                    "text": summary,
                    "title": title,
                    "url": guid,
                    "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "parent_id": None,
                    "thread_id": None,
                    "language": feed.lang,
                    "channel": feed_title,
                },
            )
        )

    def member(self, platform: str, lang: str | None, avoid: Person | None = None) -> Person:
        """A community member on ``platform`` (weighted by how active they are)."""
        if lang is not None and self.rng.random() < 0.1:
            lang = None  # some people answer in their own language
        people, cum = self.pools[(platform, lang)]
        for _ in range(5):
            person = self.rng.choices(people, cum_weights=cum)[0]
            if person is not avoid:
                return person
        return person

    def subreddit(self, lang: str) -> str:
        names, weights = SUBREDDITS[lang]
        return self.rng.choices(names, weights=weights)[0]

    def reply_time(self, parent: Item, mean_minutes: float) -> datetime | None:
        delay = min(max(self.rng.expovariate(1 / mean_minutes), 1.0), 3 * 24 * 60)
        at = parent.at + timedelta(minutes=delay, seconds=self.rng.randrange(60))
        return at if at < self.now - timedelta(minutes=1) else None


def ascii_title(text: str) -> str:
    """A lower-case ASCII form of a title, for URL slugs."""
    return " ".join(ascii_handle(word) for word in text.split())
