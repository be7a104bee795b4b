"""Precision and recall of merge suggestions and automatic merges on a labelled population.

The population (crm/identity/synthetic.py) has 400 people with one to three accounts,
handle and name variants, umlauts, Cyrillic, Greek, Chinese and Arabic names, namesakes and
fans linking to strangers. Targets: suggestions precision >= 0.95 at recall >= 0.8 at the
default threshold; automatic merges precision 1.0.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.identities import services, suggestions
from crm.identities.loading import load_features
from crm.identities.matching import DEFAULT_THRESHOLD
from crm.identities.models import MergeAudit, MergeSuggestion
from crm.ingest import ingest_batch
from crm.members.models import Identity
from demo import synthetic


def _load(db: Session, pop: synthetic.Population) -> dict[int, int]:
    mentions = synthetic.mentions(pop)
    for i in range(0, len(mentions), 1000):
        ingest_batch(db, mentions[i : i + 1000])
    services.update_identity_profiles(db, synthetic.profiles(pop))
    person = pop.person_of()
    return {i: person[(p, e)] for i, p, e in db.execute(select(Identity.id, Identity.platform, Identity.external_id))}


def test_suggestions_meet_precision_and_recall_targets(db: Session) -> None:
    pop = synthetic.build(400, seed=7)
    person = _load(db, pop)
    services.rebuild_suggestions(db, auto_merge=False)
    got = db.execute(select(MergeSuggestion.identity_a_id, MergeSuggestion.identity_b_id)).all()
    tp = sum(person[a] == person[b] for a, b in got)
    truth = len(pop.true_pairs())
    precision, recall = tp / len(got), tp / truth
    print(f"\nsuggestions at threshold {DEFAULT_THRESHOLD}: precision {precision:.3f}, recall {recall:.3f} "
          f"({len(got)} suggested, {truth} true pairs, {len(person)} identities)")
    assert precision >= 0.95
    assert recall >= 0.8


def test_blocking_compares_the_true_pairs(db: Session) -> None:
    pop = synthetic.build(400, seed=5)
    person = _load(db, pop)
    pairs, _stats = suggestions.candidate_pairs(load_features(db))
    ids = {(p, e): i for i, p, e in db.execute(select(Identity.id, Identity.platform, Identity.external_id))}
    truth = {tuple(sorted((ids[x], ids[y]))) for x, y in pop.true_pairs()}
    found = len(truth & pairs) / len(truth)
    print(f"\nblocking: {len(pairs)} candidate pairs for {len(person)} identities; pair recall {found:.3f}")
    assert found >= 0.97


def test_automatic_merges_are_always_right(db: Session) -> None:
    pop = synthetic.build(400, seed=11)
    person = _load(db, pop)
    result = services.rebuild_suggestions(db)
    assert result.auto_merges, "the population has mutual links and verified e-mails"
    wrong = 0
    for audit in db.scalars(select(MergeAudit).where(MergeAudit.id.in_(result.auto_merges))):
        members = {audit.kept_member_id, *audit.merged_member_ids}
        people = {person[i] for i in db.scalars(select(Identity.id).where(Identity.member_id.in_(members)))}
        wrong += len(people) > 1
        assert audit.method.startswith("rule:")
    print(f"\nautomatic merges: {len(result.auto_merges)}, wrong: {wrong} (precision "
          f"{1 - wrong / len(result.auto_merges):.3f})")
    assert wrong == 0
    # No member holds two accounts of one platform after automatic merges.
    rows = db.execute(select(Identity.member_id, Identity.platform)).all()
    assert len(rows) == len(set(rows))
