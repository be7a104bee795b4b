"""The weight of each kind of identity evidence (positive for a match, negative against), and how one piece of evidence is written down."""

from __future__ import annotations

from typing import Any

# Each positive weight is about how often the item alone meant one person on the development
# population (bench/identity_eval seed 1): an item passes the threshold alone when it was right
# about 9 times in 10 or more.
WEIGHTS: dict[str, float] = {
    "mutual_links": 0.9,  # A's profile links to B's and B's links back (couples do, too)
    "verified_email": 0.99,  # the same e-mail, verified on both (from an import)
    "one_way_link": 0.75,  # A's profile links to B's profile (friends do too: names and hours tell)
    "same_email": 0.85,  # the same e-mail, not verified
    "same_handle_long": 0.82,  # the same handle, 7+ characters, nobody else uses it
    "same_handle": 0.6,  # the same handle, 5-6 characters
    "same_handle_short": 0.3,  # the same handle, 3-4 characters
    "handle_variant": 0.35,  # the same handle but for digits, dots or underscores
    "handle_variant_name": 0.73,  # ... and the letters spell the name one of them shows
    "handle_is_name": 0.5,  # one's handle spells the other's (rare) name
    "similar_handle": 0.2,  # handles alike (rapidfuzz >= 88)
    "same_rare_name": 0.78,  # the same full name, and few people would carry it by chance
    "same_name": 0.72,  # the same full name, moderately common (9 in 10 are one person on the dev population)
    "same_common_name": 0.3,  # the same full name, common (namesakes are expected)
    "similar_name": 0.45,  # spellings of one name ("Dmitriy"/"Dmitry"), scaled by rarity
    "similar_rare_name": 0.72,  # ... of a rare name: one name, a little less sure than the same letters
    "initial_name": 0.7,  # "J. Müller" and "Jürgen Müller", scaled by how rare the name is
    "same_single_name": 0.15,  # the same one-word name of 5+ letters
    "same_website": 0.6,
    "shared_website": 0.1,  # ... that many accounts give (a group blog, an employer)
    "same_link": 0.45,  # the same link in both bios
    "same_avatar": 0.5,
    "same_threads": 0.2,  # wrote in two or more of the same threads
    "same_language": 0.1,
    "same_hours": 0.1,  # active at the same times of day
    "different_names": -0.45,  # both have full names, and they are clearly different
    "different_first_name": -0.35,  # "Anna" or "Anna M." and "Thomas Müller"
    "named_as_other": -0.7,
    "links_other_account": -0.35,  # one profile links to another account on the other's platform  # one bio names the other account as someone else's ("husband: …")
    "different_language": -0.05,  # detected on short posts, and people write in two: barely counts
    # (it still stops an automatic merge)
    "different_hours": -0.1,
    "same_platform": -0.3,
    "rival_account": -0.15,  # another account on the same platform matches as well or better  # two accounts on one platform are usually two people
}


def evidence_item(code: str, text: str, weight: float | None = None) -> dict[str, Any]:
    return {"code": code, "weight": round(WEIGHTS[code] if weight is None else weight, 3), "text": text}


_LABELS = {"x": "X", "reddit": "Reddit", "mastodon": "Mastodon", "bluesky": "Bluesky"}


def platform_label(platform: str) -> str:
    return _LABELS.get(platform) or platform.title()
