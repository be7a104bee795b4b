"""Segment services: built-ins on a fresh install, create/edit/delete, preview, pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import Conflict, InvalidInput, NotFound
from crm.segments import services
from crm.segments.builtins import BUILTINS
from crm.segments.models import Segment
from crm.segments.rules import parse_rule
from tests.crm.segment_data import person


def test_the_builtins_exist_after_migrating_and_match_builtins_py(db: Session) -> None:
    found = {s.builtin_key: s for s in db.scalars(select(Segment).where(Segment.builtin_key.is_not(None)))}
    assert set(found) == set(BUILTINS)
    for key, shipped in BUILTINS.items():
        assert found[key].name == shipped["name"]
        assert found[key].description == shipped["description"]
        assert found[key].rule == shipped["rule"] == parse_rule(shipped["rule"])
        services.count_members(db, found[key].rule, segment_id=found[key].id)  # compiles
    migration = (Path(__file__).parents[2] / "migrations/versions/0004_segments.py").read_text()
    assert len(re.findall(r'^    \("', migration, flags=re.M)) == len(BUILTINS)


def test_create_edit_and_delete(db: Session) -> None:
    seg = services.create_segment(db, name="  Fans  ", rule='{"field": "sentiment", "min": 0.5}', description="x")
    assert seg.name == "Fans" and seg.rule == {"field": "sentiment", "min": 0.5}
    with pytest.raises(Conflict):
        services.create_segment(db, name="fans", rule={"field": "reach", "min": 1})
    with pytest.raises(InvalidInput) as info:
        services.update_segment(db, seg.id, name="Fans", rule={"op": "and", "conditions": [
            {"field": "reach", "min": 1}, {"field": "interactions", "min": 1, "days": 0}]})
    assert info.value.field == "conditions[1].days"
    user = services.create_segment(db, name="Fan customers", rule={"op": "and", "conditions": [
        {"field": "segment", "id": seg.id}, {"field": "tags", "any": ["customer"]}]})
    with pytest.raises(InvalidInput) as info:  # Fans -> Fan customers -> Fans
        services.update_segment(db, seg.id, name="Fans", rule={"field": "segment", "id": user.id})
    assert "refers back" in info.value.message
    with pytest.raises(Conflict) as used:
        services.delete_segment(db, seg.id)
    assert "Fan customers" in used.value.message
    services.delete_segment(db, user.id)
    services.delete_segment(db, seg.id)
    with pytest.raises(NotFound):
        services.get_segment(db, seg.id)


def test_builtins_are_editable_resettable_not_deletable(db: Session) -> None:
    newcomers = services.find_segment(db, "newcomers")
    services.update_segment(db, newcomers.id, name="New people", rule={"field": "first_seen", "within_days": 7})
    assert services.find_segment(db, str(newcomers.id)).name == "New people"
    with pytest.raises(Conflict):
        services.delete_segment(db, newcomers.id)
    services.reset_builtin(db, newcomers.id)
    assert newcomers.name == "Newcomers" and newcomers.rule == BUILTINS["newcomers"]["rule"]
    with pytest.raises(NotFound):
        services.find_segment(db, "no such segment")


def test_preview_counts_and_shows_the_first_members(db: Session) -> None:
    for i in range(25):
        person(db, f"P{i:02}", accounts=(("pv", None),), tags=("t",) if i < 3 else (), said=((i + 1, 0.1, "hi"),))
    result = services.preview(db, {"field": "platforms", "any": ["pv"]})
    assert result.count == 25 and len(result.members) == services.PREVIEW_SIZE
    assert [m.display_name for m in result.members[:2]] == ["P00", "P01"]  # most recently active first
    few = services.preview(db, {"op": "and", "conditions": [{"field": "platforms", "any": ["pv"]},
                                                              {"field": "tags", "any": ["t"]}]})
    assert few.count == 3 and len(few.members) == 3
    with pytest.raises(InvalidInput):
        services.preview(db, {"field": "nope"})


def test_pages_and_keyset_pages(db: Session) -> None:
    members = [person(db, f"K{i}", accounts=(("keyset", i),)) for i in range(7)]
    seg = services.create_segment(db, name="Keyset", rule={"field": "platforms", "any": ["keyset"]})
    page = services.segment_page(db, seg, page=2, per_page=3)
    assert page.total == 7 and page.pages == 3 and len(page.items) == 3
    first = services.members_after(db, seg, after=0, limit=4)
    rest = services.members_after(db, seg, after=first[-1].id, limit=4)
    assert [m.id for m in first + rest] == sorted(m.id for m in members)
