"""SLAs: business hours, policies and clocks, escalation, assignment rules."""
