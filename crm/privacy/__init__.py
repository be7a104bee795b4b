"""Privacy (GDPR): erase a member, access exports, the suppression list, retention, the audit log."""
