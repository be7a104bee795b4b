"""Generate a labelled identity-resolution population: mentions, profiles and the truth.

    python -m bench.identity_eval.population --seed 1 --out bench/identity_eval/data/seed1

writes ``mentions.jsonl`` (the public import format, for ``crm import``), ``profiles.jsonl``
(for ``crm members profiles``) and ``truth.json`` (every account's person and kind of case,
the relations between people, our team accounts, and every true pair with the reasons a
careful person could link it from what is stored). Seed 1 is for development; seed 2 is
held out for final reporting only.

Written from how people use Reddit, X, Mastodon and blogs, without reading the product's
matching rules (see README.md in this folder).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.identity_eval.accounts import (
    fill_profile,
)
from bench.identity_eval.builder import Builder
from bench.identity_eval.output import write_all

POSITIVE_KINDS = {  # people with 2-3 accounts, by the main thing that ties their accounts
    "same_handle": 170, "handle_variant": 130, "name_only": 120, "umlaut": 70,
    "transliteration": 80, "profile_link": 130, "mutual_link": 60, "unlinkable": 130,
}
TOTAL_PEOPLE = 2000


def build(seed: int, people: int = TOTAL_PEOPLE) -> Builder:
    """Every person of one seed, with accounts, profiles and relations (posts come later)."""
    from bench.identity_eval import cases

    b = Builder(seed)
    cases.team(b)
    scale = people / TOTAL_PEOPLE
    for kind, n in POSITIVE_KINDS.items():
        for _ in range(max(2, round(n * scale))):
            getattr(cases, kind)(b)
    cases.negatives(b, scale)
    cases.shared_emails(b)
    while len(b.people) < people:
        cases.single(b)
    for p in b.people:
        if p.kind != "team":
            for a in p.accounts:
                fill_profile(b.rng, p, a)
    return b


def main() -> None:
    """Write mentions.jsonl, profiles.jsonl and truth.json for one seed."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="1: development; 2: held out, for final reporting only")
    ap.add_argument("--people", type=int, default=TOTAL_PEOPLE)
    ap.add_argument("--out", type=Path, required=True, help="directory to write the three files into")
    args = ap.parse_args()
    b = build(args.seed, args.people)
    counts = write_all(b, args.seed, args.out)
    print(", ".join(f"{v:,} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
