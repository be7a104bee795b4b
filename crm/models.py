"""Every model, imported in one place so ``Base.metadata`` is complete (Alembic, tests)."""

from crm.alerts.models import (
    Alert,
    AlertEvent,
    AlertMute,
    AlertRule,
    Delivery,
    DeliveryAttempt,
    RuleBaseline,
    VolumeBucket,
)
from crm.db import Base
from crm.identities.models import (
    IdentityMatchKey,
    IdentityRule,
    MergeAudit,
    MergeDecision,
    MergeSuggestion,
)
from crm.imports.models import ImportRun
from crm.inbound.models import InboundCredential, UsedSignature
from crm.inbox.models import InboxEvent, InboxItem, Reminder, TeamAccount
from crm.interactions.models import Interaction, LabelCorrection, QuarantinedItem
from crm.members.models import Identity, Member, MemberTag, Note
from crm.outbox.models import OutboxEntry
from crm.privacy.models import PrivacyAudit, RetentionPolicy, Suppression
from crm.replies.models import OutgoingReply, Presence, SavedReply
from crm.segments.models import ExportRun, Segment
from crm.sla.models import (
    AgentAway,
    AgentHours,
    AgentShift,
    BusinessHours,
    Holiday,
    ItemSla,
    SlaPolicy,
    Team,
)
from crm.sources.models import PollRun, Source
from crm.tokens.models import ApiToken, IdempotencyRecord
from crm.users.models import User
from crm.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "Team",
    "SlaPolicy",
    "ItemSla",
    "Holiday",
    "BusinessHours",
    "AgentShift",
    "AgentHours",
    "AgentAway",
    "ApiToken",
    "Alert",
    "AlertEvent",
    "AlertMute",
    "AlertRule",
    "Base",
    "Delivery",
    "DeliveryAttempt",
    "VolumeBucket",
    "ExportRun",
    "ImportRun",
    "InboundCredential",
    "IdempotencyRecord",
    "Identity",
    "InboxEvent",
    "InboxItem",
    "IdentityMatchKey",
    "IdentityRule",
    "Interaction",
    "LabelCorrection",
    "Member",
    "MemberTag",
    "MergeAudit",
    "MergeDecision",
    "MergeSuggestion",
    "Note",
    "OutboxEntry",
    "OutgoingReply",
    "Presence",
    "PollRun",
    "PrivacyAudit",
    "QuarantinedItem",
    "RuleBaseline",
    "Reminder",
    "SavedReply",
    "RetentionPolicy",
    "Segment",
    "Source",
    "Suppression",
    "TeamAccount",
    "UsedSignature",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
]
