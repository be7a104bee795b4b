"""The transactional outbox: work that follows a committed batch, stored with the batch."""
