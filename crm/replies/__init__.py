"""Answering from the CRM: outgoing replies, saved replies, presence on an item."""
