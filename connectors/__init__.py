"""Connectors: one module per channel, each turning a channel's API into plain dataclasses.

They never import ``crm`` or SQLAlchemy; see ``connectors/base.py`` for the contract.
"""
