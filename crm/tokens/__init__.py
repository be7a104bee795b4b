"""Personal access tokens for the REST API (scopes, hashed storage) and POST idempotency keys."""
