"""Server-rendered pages, one module (and blueprint) per area."""
