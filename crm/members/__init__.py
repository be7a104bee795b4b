"""Members (people) and their identities (accounts on a platform)."""
