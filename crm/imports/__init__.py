"""File imports: runs with progress and a per-line report (the loop itself: listeners/imports.py)."""
