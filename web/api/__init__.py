"""The JSON API (/api/v1): one module per resource."""
