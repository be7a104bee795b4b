"""Set up the demo: the login, our team accounts, listening sources, then the dataset through
the real import job (listeners.jobs.import_file), so the real follow-ups run on it.

Alert rules are paused while the 90 days arrive at once: evaluated "now", the whole history
would look like one bucket. demo.history replays them through the history afterwards, as
they would have run live.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from crm.alerts.models import AlertRule
from crm.errors import Conflict
from crm.imports import services as imports
from crm.imports.models import ImportRun
from crm.inbox.services import add_team_account
from crm.interactions.models import Interaction
from crm.sources.models import Source
from crm.sources.services import save_source
from crm.users.models import User
from crm.users.services import create_user
from demo.dataset import write_jsonl
from demo.people import TEAM_HANDLE
from demo.sla import set_up_sla
from listeners.jobs import import_file
from listeners.runtime import get, transaction

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
TEAM_ACCOUNTS = (("reddit", TEAM_HANDLE), ("x", TEAM_HANDLE), ("mastodon", f"{TEAM_HANDLE}@fosstodon.org"))
# What a team listening to Nimbus would configure. The demo has no network and no API keys, so
# they are paused with the reason; with the settings in the environment, "Resume" starts them.
_OFFLINE = "Demo: paused because the demo runs without network access"
_CREDENTIALS = _OFFLINE + " or API credentials. Set {what} (see README, Channels) and resume it."
_REASONS = {
    "reddit": _CREDENTIALS.format(what="REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"),
    "x": _CREDENTIALS.format(what="X_BEARER_TOKEN"),
    "mastodon": _CREDENTIALS.format(what="MASTODON_API_BASE_URL and MASTODON_ACCESS_TOKEN"),
    "rss": _OFFLINE + ". Feeds need no credentials: resume it where the feed can be reached.",
}
SOURCES = (
    ("reddit", "subreddit", "nimbussync+de_EDV", 300, "r/nimbussync and r/de_EDV"),
    ("reddit", "search", "nimbus sync", 900, "Reddit search: nimbus sync"),
    ("x", "search", '"nimbus sync" OR #nimbussync -is:retweet', 900, "X search: Nimbus"),
    ("x", "mentions", TEAM_HANDLE, 900, "Mentions of @nimbus_team on X"),
    ("mastodon", "hashtag", "NimbusSync", 600, "Mastodon: #NimbusSync"),
    ("mastodon", "mentions", f"{TEAM_HANDLE}@fosstodon.org", 600, "Mentions of @nimbus_team@fosstodon.org"),
    ("rss", "feed", "https://linux-notizen.example/feed.xml", 1800, "Blog: Linux-Notizen"),
    ("rss", "feed", "https://news.google.com/rss/search?q=%22nimbus+sync%22&hl=de", 1800, "News alert: nimbus sync"),
)


@dataclass
class DemoSetup:
    """What ``load_demo`` did, for the CLI."""

    email: str = DEMO_EMAIL
    password: str = DEMO_PASSWORD
    loaded: bool = False
    lines: list[str] = field(default_factory=list)


def load_demo(now: datetime | None = None) -> DemoSetup:
    """Load the dataset once (shifted to end at ``now``) through the import job; idempotent.

    Needs a configured runtime (listeners.runtime.configure); jobs run on its queue.
    """
    now = now or datetime.now(UTC)
    setup = DemoSetup()
    with transaction() as s:
        have = s.scalar(select(func.count(Interaction.id))) or 0
        if s.scalar(select(User.id).where(User.email == DEMO_EMAIL)) is None:
            create_user(s, email=DEMO_EMAIL, password=DEMO_PASSWORD, role="admin", name="Demo Admin")
    if have:
        setup.lines.append(f"Demo data already loaded ({have} interactions).")
        return setup
    _team_and_sources()
    set_up_sla(DEMO_EMAIL, now)
    uploads = get().settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"demo-{now:%Y%m%d-%H%M%S}.jsonl"
    write_jsonl(path, now=now)
    with transaction() as s:
        run_id = imports.create_run(
            s, filename="demo.jsonl", fmt="jsonl", stored_path=str(path), total_bytes=path.stat().st_size
        ).id
    with rules_paused():
        import_file(run_id)
    with transaction() as s:
        run = s.get(ImportRun, run_id)
        assert run is not None
        if run.status != "done":
            raise RuntimeError(f"The demo import failed: {run.failure}")
        setup.lines.append(
            f"Loaded the demo through the import job: {run.new_count} interactions, "
            f"{run.quarantined_count} quarantined; inbox triage, alert counters and merge "
            "suggestions ran as follow-ups."
        )
    setup.loaded = True
    return setup


def _team_and_sources() -> None:
    with transaction() as s:
        for platform, handle in TEAM_ACCOUNTS:
            try:
                add_team_account(s, platform=platform, handle=handle)
            except Conflict:
                pass
        if s.scalar(select(func.count(Source.id))):
            return
        for platform, kind, query, interval, name in SOURCES:
            source = save_source(s, platform=platform, kind=kind, query=query, interval_seconds=interval, name=name)
            source.enabled = False
            source.status, source.status_reason = "disabled", _REASONS[platform]


@contextmanager
def rules_paused() -> Iterator[None]:
    """Pause the enabled alert rules for the duration (and re-enable exactly those)."""
    with transaction() as s:
        ids = list(s.scalars(select(AlertRule.id).where(AlertRule.enabled.is_(True))))
        s.execute(update(AlertRule).where(AlertRule.id.in_(ids)).values(enabled=False))
    try:
        yield
    finally:
        with transaction() as s:
            s.execute(update(AlertRule).where(AlertRule.id.in_(ids)).values(enabled=True))
