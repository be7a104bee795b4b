"""Marshmallow schemas of the v1 API: they validate input and document the OpenAPI 3.1 spec."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class Strict(Schema):
    """Unknown fields are an error (a typo must not pass silently)."""

    class Meta:
        ordered = True


class CursorArgs(Strict):
    cursor = fields.String(load_default=None, metadata={"description": "next_cursor of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class MemberListArgs(CursorArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200),
                      metadata={"description": "name or @handle, part of it"})
    platform = fields.String(load_default=None, validate=validate.Length(max=32))
    tag = fields.String(load_default=None, validate=validate.Length(max=64))
    sort = fields.String(load_default="newest", validate=validate.OneOf(("newest",)),
                         metadata={"description": "newest first (by id): the order cursors follow"})


class InteractionListArgs(CursorArgs):
    q = fields.String(load_default="", validate=validate.Length(max=300),
                      metadata={"description": 'words, "a phrase", -exclude, OR'})
    platform = fields.String(load_default=None, validate=validate.Length(max=32))
    sentiment = fields.String(load_default=None, validate=validate.OneOf(("positive", "neutral", "negative", "unscored")))
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)


class Identity(Schema):
    platform = fields.String()
    external_id = fields.String()
    handle = fields.String()
    display_name = fields.String()
    profile_url = fields.String(allow_none=True)
    followers = fields.Integer(allow_none=True)


def IsoTime(**kw: object) -> fields.String:  # noqa: N802 - reads like a field class
    """A timestamp the view already wrote as ISO 8601 text."""
    return fields.String(metadata={"format": "date-time"}, **kw)  # type: ignore[arg-type]


class Member(Schema):
    id = fields.Integer()
    display_name = fields.String()
    platforms = fields.List(fields.String())
    first_seen = IsoTime(allow_none=True)
    last_seen = IsoTime(allow_none=True)
    interaction_count = fields.Integer()
    sentiment_mean = fields.Float(allow_none=True)
    followers_max = fields.Integer(allow_none=True)
    identities = fields.List(fields.Nested(Identity))
    tags = fields.List(fields.String())


class Interaction(Schema):
    id = fields.Integer()
    platform = fields.String()
    external_id = fields.String()
    kind = fields.String()
    title = fields.String(allow_none=True)
    text = fields.String()
    url = fields.String(allow_none=True)
    occurred_at = IsoTime()
    language = fields.String(allow_none=True)
    sentiment = fields.Float()
    sentiment_label = fields.String()
    parent_id = fields.String(allow_none=True)
    thread_id = fields.String(allow_none=True)
    member_id = fields.Integer()


class MemberPage(Schema):
    items = fields.List(fields.Nested(Member))
    next_cursor = fields.String(allow_none=True)


class InteractionPage(Schema):
    items = fields.List(fields.Nested(Interaction))
    next_cursor = fields.String(allow_none=True)


class TagIn(Strict):
    tag = fields.String(required=True, validate=validate.Length(1, 64))


class NoteIn(Strict):
    body = fields.String(required=True, validate=validate.Length(1, 10_000))


class Note(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()
    author = fields.String(allow_none=True, metadata={"description": "the teammate's e-mail"})


class NotePage(Schema):
    items = fields.List(fields.Nested(Note))
    next_cursor = fields.String(allow_none=True)


class MergeIn(Strict):
    merge_ids = fields.List(fields.Integer(validate=validate.Range(1, 2**62)), required=True,
                            validate=validate.Length(1, 50))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class UnmergeIn(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    not_same = fields.Boolean(load_default=False)


class MergeLog(Schema):
    id = fields.Integer()
    action = fields.String()
    kept_member_id = fields.Integer(allow_none=True)
    merged_member_ids = fields.List(fields.Integer())
    created_at = fields.DateTime()


class EraseIn(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=2000),
                           metadata={"description": "reference of the request (no personal data)"})


class EraseOut(Schema):
    member_id = fields.Integer()
    privacy_log_id = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class AccessArgs(Strict):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "zip")))


class InboxItem(Schema):
    id = fields.Integer()
    interaction_id = fields.Integer()
    platform = fields.String()
    status = fields.String()
    reasons = fields.List(fields.String())
    priority = fields.Integer()
    occurred_at = fields.DateTime()
    assignee_id = fields.Integer(allow_none=True)
    escalation_level = fields.Integer()
    handled_at = fields.DateTime(allow_none=True)


class InboxListArgs(CursorArgs):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "snoozed", "handled")))


class InboxPage(Schema):
    items = fields.List(fields.Nested(InboxItem))
    next_cursor = fields.String(allow_none=True)


class AssignIn(Strict):
    assignee_id = fields.Integer(required=True, allow_none=True, validate=validate.Range(1, 2**62))


class SnoozeIn(Strict):
    until = fields.AwareDateTime(required=True)


class Empty(Strict):
    pass


class Alert(Schema):
    id = fields.Integer()
    rule_id = fields.Integer()
    scope = fields.String(attribute="scope_key")
    signal = fields.String()
    kind = fields.String()
    status = fields.String()
    severity = fields.String()
    opened_at = fields.DateTime()
    peak = fields.Integer()
    current = fields.Integer()
    acknowledged_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class AlertListArgs(CursorArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(("open", "acknowledged", "resolved")))


class AlertPage(Schema):
    items = fields.List(fields.Nested(Alert))
    next_cursor = fields.String(allow_none=True)


class ResolveIn(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class Source(Schema):
    id = fields.Integer()
    name = fields.String()
    platform = fields.String()
    kind = fields.String()
    query = fields.String()
    enabled = fields.Boolean()
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    interval_seconds = fields.Integer()
    last_polled_at = fields.DateTime(allow_none=True)
    next_poll_at = fields.DateTime(allow_none=True)
    items_collected = fields.Integer()


class SourcePage(Schema):
    items = fields.List(fields.Nested(Source))
    next_cursor = fields.String(allow_none=True)


class ExportIn(Strict):
    segment_id = fields.Integer(required=True, validate=validate.Range(1, 2**62))
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx", "jsonl")))
    delimiter = fields.String(load_default=",", validate=validate.OneOf((",", ";")),
                              metadata={"description": "CSV only: ';' suits German Excel"})
    columns = fields.List(fields.String(validate=validate.Length(1, 120)), load_default=None,
                          validate=validate.Length(1, 200),
                          metadata={"description": "column keys (see the export form); default: the usual ten"})


class ExportListArgs(CursorArgs):
    segment_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**62))
    status = fields.String(load_default=None, validate=validate.OneOf(("queued", "running", "done", "failed",
                                                                      "deleted")))


class Export(Schema):
    id = fields.Integer()
    segment_id = fields.Integer(allow_none=True)
    segment_name = fields.String()
    actor = fields.String(metadata={"description": "who asked: an e-mail, or cli:<user>"})
    channel = fields.String(metadata={"description": "web, api or cli"})
    format = fields.String()
    delimiter = fields.String()
    columns = fields.List(fields.String())
    status = fields.String(metadata={"description": "queued, running, done, failed or deleted (by retention "
                                                    "or an erasure)"})
    percent = fields.Float()
    rows = fields.Integer(attribute="row_count")
    total_rows = fields.Integer()
    file_size = fields.Integer(allow_none=True)
    failure = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    file_url = fields.String(allow_none=True, metadata={"description": "where to download the finished file "
                                                                       "(its owner and admins only)"})


class ExportPage(Schema):
    items = fields.List(fields.Nested(Export))
    next_cursor = fields.String(allow_none=True)


class Segment(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    rule = fields.Raw(metadata={"type": "object", "description": "the rule (see the segment editor)"})
    builtin = fields.String(allow_none=True, metadata={"description": "key of a built-in segment"})
    summary = fields.String(metadata={"description": "the rule in words"})
    created_at = IsoTime()
    updated_at = IsoTime()
    members_url = fields.String()
    count = fields.Integer(metadata={"description": "members now (single segment only)"})


class SegmentPage(Schema):
    items = fields.List(fields.Nested(Segment))
    next_cursor = fields.String(allow_none=True)


class SegmentIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 120))
    rule = fields.Raw(required=True, metadata={"type": "object"})
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class SegmentUpdate(Strict):
    name = fields.String(validate=validate.Length(1, 120))
    rule = fields.Raw(metadata={"type": "object"})
    description = fields.String(validate=validate.Length(max=2000))


class PreviewIn(Strict):
    rule = fields.Raw(required=True, metadata={"type": "object"})
    segment_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 2**62),
                                metadata={"description": "the segment being edited (a rule may not use itself)"})


class PreviewOut(Schema):
    count = fields.Integer()
    members = fields.List(fields.Nested(Member))


class SegmentMemberArgs(CursorArgs):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    after = fields.Integer(load_default=None, validate=validate.Range(0, 2**62),
                           metadata={"description": "older form of the cursor: the last member id seen"})


class SegmentMemberPage(MemberPage):
    next_after = fields.Integer(allow_none=True)


class SegmentRowsArgs(SegmentMemberArgs):
    limit = fields.Integer(load_default=500, validate=validate.Range(1, 5000))
    columns = fields.String(load_default=None, validate=validate.Length(max=4000),
                            metadata={"description": "comma-separated column keys; default: the usual ten"})


class SegmentRows(Schema):
    columns = fields.List(fields.String())
    items = fields.List(fields.Dict(keys=fields.String()))
    next_cursor = fields.String(allow_none=True)
    next_after = fields.Integer(allow_none=True)

class ReplyIn(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=40_000))
    # When the caller read the thread: if someone answered after it, 409 unless confirm is true.
    since = fields.AwareDateTime(load_default=None)
    confirm = fields.Boolean(load_default=False)


class ReplyOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer(allow_none=True)
    interaction_id = fields.Integer()
    platform = fields.String()
    state = fields.String(metadata={"description": "queued, sending, sent, failed or unknown (check the original)"})
    error = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
