"""The community manager's inbox: what needs a human, who handles it, follow-up reminders."""
