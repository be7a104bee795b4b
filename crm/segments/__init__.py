"""Segments: saved, dynamic audiences of members described by a JSON rule; and their exports."""
