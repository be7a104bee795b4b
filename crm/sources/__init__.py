"""Listening sources: what to poll, how often, and how healthy it is."""
