"""The domain: members, identities, interactions, inbox, segments, alerts, sources, imports,
outbox, users.

Pure Python and SQLAlchemy. Imports neither Flask, RQ nor a connector SDK (only the plain
dataclasses of ``connectors.base``).
"""
