"""The identity evaluation population: valid import lines, consistent truth, reproducible."""

from __future__ import annotations

import json
from collections import Counter

from bench.identity_eval.metrics import evaluate
from bench.identity_eval.output import write_all
from bench.identity_eval.population import POSITIVE_KINDS, build
from connectors.files import iter_file
from connectors.import_schema import LineError


def _generate(tmp_path, seed=7, people=400):
    out = tmp_path / f"s{seed}"
    write_all(build(seed, people), seed, out)
    return out


def test_every_mention_is_a_valid_import_line_and_every_account_posts(tmp_path):
    out = _generate(tmp_path)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    authors = set()
    with iter_file(out / "mentions.jsonl") as reader:
        for item in reader:
            assert not isinstance(item, LineError), item
            _, m = item
            authors.add(f"{m.platform}:{m.author.id}")
            assert m.created_at.tzinfo is not None
    accounts = {a["key"] for a in truth["accounts"]}
    assert authors == accounts
    # Reddit shows no display names; Mastodon handles carry their instance.
    for a in truth["accounts"]:
        if a["platform"] == "reddit":
            assert a["display_name"] == ""
        if a["platform"] == "mastodon":
            assert "@" in a["handle"]


def test_profiles_and_truth_are_consistent(tmp_path):
    out = _generate(tmp_path)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    person = {a["key"]: a["person"] for a in truth["accounts"]}
    for line in (out / "profiles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert f"{row['platform']}:{row['external_id']}" in person
        assert isinstance(row.get("links", []), list)
    for p in truth["pairs"]:
        assert person[p["a"]] == person[p["b"]] == p["person"]
    kinds = Counter(truth["people"].values())
    assert set(POSITIVE_KINDS) <= set(kinds)
    for k in ("namesake", "generic_handle", "fan", "staff", "friend", "group_blog", "couple", "team"):
        assert kinds[k] > 0, k
    assert any(p["reasons"] for p in truth["pairs"]) and any(not p["reasons"] for p in truth["pairs"])


def test_a_seed_is_reproducible_and_seeds_differ(tmp_path):
    a, b, c = _generate(tmp_path / "a"), _generate(tmp_path / "b"), _generate(tmp_path / "c", seed=8)
    assert (a / "mentions.jsonl").read_bytes() == (b / "mentions.jsonl").read_bytes()
    assert (a / "truth.json").read_bytes() == (b / "truth.json").read_bytes()
    assert (a / "mentions.jsonl").read_bytes() != (c / "mentions.jsonl").read_bytes()


def test_metrics_count_a_wrong_merge_and_a_missed_pair():
    truth = {
        "people": {"p1": "same_handle", "p2": "couple", "p3": "couple"},
        "accounts": [{"key": "x:1", "person": "p1"}, {"key": "reddit:t2_a", "person": "p1"},
                     {"key": "x:2", "person": "p2"}, {"key": "mastodon:3", "person": "p3"}],
        "relations": [{"a": "p2", "b": "p3", "kind": "couple"}],
        "team": [],
        "pairs": [{"a": "x:1", "b": "reddit:t2_a", "person": "p1", "kind": "same_handle", "reasons": ["same_handle"]}],
    }
    db = {
        "identities": [{"id": 1, "platform": "x", "external_id": "1", "member_id": 10},
                       {"id": 2, "platform": "reddit", "external_id": "t2_a", "member_id": 11},
                       {"id": 3, "platform": "x", "external_id": "2", "member_id": 12},
                       {"id": 4, "platform": "mastodon", "external_id": "3", "member_id": 12}],
        "suggestions": [], "keys": [("h:x", 1), ("h:x", 2)], "team": [],
        "audits": [{"id": 1, "action": "merge", "method": "rule:mutual_links", "kept_member_id": 12,
                    "merged_member_ids": [13], "undone_by_id": None, "evidence": [],
                    "snapshot": {"identities": {"13": [4]}, "fingerprints": {"12": [1, 1, [[3, "x", "h", "n", 0]]]}}}],
    }
    r = evaluate(db, truth)
    assert r["automatic_merges"]["count"] == 1 and r["automatic_merges"]["wrong"] == 1
    assert r["automatic_merges"]["wrong_by_reason"] == {"couple": 1}
    assert r["suggestions"]["recall_linkable"]["recall"] == 0.0
    assert r["blocking"]["pair_recall"] == 1.0
