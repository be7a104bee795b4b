"""SVG charts drawn on the server from our own numbers (no JavaScript, no CDN)."""
