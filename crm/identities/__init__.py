"""Identity resolution: one person, one member, however many channels they use."""
