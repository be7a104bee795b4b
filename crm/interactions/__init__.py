"""Interactions (posts, comments, replies, mentions, messages) and the quarantine."""
