"""Outgoing webhooks: subscriptions per event, signed deliveries written with the data they announce."""
