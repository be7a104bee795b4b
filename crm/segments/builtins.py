"""The built-in segments every install starts with. Editable; "reset" restores these rules.

Migration 0004 inserts them on a fresh install (a frozen copy: migrations never import
application code). A test checks that the copy and this list agree.
"""

from __future__ import annotations

from typing import Any

BUILTINS: dict[str, dict[str, Any]] = {
    "newcomers": {
        "name": "Newcomers",
        "description": "First seen within the last 14 days.",
        "rule": {"field": "first_seen", "within_days": 14},
    },
    "contributors": {
        "name": "Contributors",
        "description": "At least 5 interactions in the last 30 days.",
        "rule": {"field": "interactions", "min": 5, "days": 30},
    },
    "advocates": {
        "name": "Advocates",
        "description": "Active (2+ interactions in 30 days) and positive (mean sentiment ≥ 0.25 over 90 days).",
        "rule": {
            "op": "and",
            "conditions": [
                {"field": "interactions", "min": 2, "days": 30},
                {"field": "sentiment", "min": 0.25, "days": 90},
            ],
        },
    },
    "detractors": {
        "name": "Detractors",
        "description": "Negative lately: 2+ interactions in 30 days with a mean sentiment ≤ -0.05.",
        "rule": {
            "op": "and",
            "conditions": [
                {"field": "interactions", "min": 2, "days": 30},
                {"field": "sentiment", "max": -0.05, "days": 30},
            ],
        },
    },
    "slipping_away": {
        "name": "Slipping away",
        "description": "Were active (3+ interactions in 120 days) but silent for the last 30 days.",
        "rule": {
            "op": "and",
            "conditions": [
                {"field": "interactions", "min": 3, "days": 120},
                {"field": "last_active", "older_than_days": 30},
            ],
        },
    },
    "influencers": {
        "name": "Influencers",
        "description": "The 100 members with the highest reach (followers of their largest account).",
        "rule": {"field": "reach", "top": 100},
    },
}
