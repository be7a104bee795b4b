"""Export files are personal data in bulk: only their owner and admins download them (issue 16)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.segments import services
from crm.segments.models import ExportRun, Segment
from tests.crm.segment_data import person


@pytest.fixture()
def segment(db: Session) -> Segment:
    person(db, "Ann", accounts=(("webland", 300),))
    seg = services.create_segment(db, name="Webland", rule={"field": "platforms", "any": ["webland"]})
    db.commit()
    return seg


def _export(client, csrf, segment: Segment, db: Session) -> ExportRun:  # type: ignore[no-untyped-def]
    token = csrf(client, f"/segments/{segment.id}/export")
    resp = client.post(f"/segments/{segment.id}/export", data={"csrf_token": token, "format": "csv",
                                                               "delimiter": ",", "columns": ["id", "display_name"]})
    assert resp.status_code == 302
    run = db.scalars(select(ExportRun).order_by(ExportRun.id.desc())).first()
    assert run is not None and run.status == "done"
    return run


def test_only_the_owner_and_admins_download_an_export(client, login, csrf, db: Session, segment: Segment) -> None:  # type: ignore[no-untyped-def]
    owner = login("marketer")
    run = _export(client, csrf, segment, db)
    assert run.user_id == owner.id
    assert client.get(f"/exports/{run.id}/download").status_code == 200
    assert client.get(f"/exports/{run.id}/status.json").get_json()["download"]

    login("marketer")  # a teammate with the export right
    assert client.get(f"/exports/{run.id}/download").status_code == 403
    assert client.get(f"/exports/{run.id}/status.json").get_json()["download"] is None
    page = client.get(f"/exports/{run.id}")
    assert page.status_code == 200 and b"and admins may download this file" in page.data
    login("manager")
    assert client.get(f"/exports/{run.id}/download").status_code == 403
    login("admin")
    resp = client.get(f"/exports/{run.id}/download")
    assert resp.status_code == 200 and b"Ann" in resp.data
