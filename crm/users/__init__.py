"""Users of the CRM and their roles."""
