"""File imports: runs with progress and a per-line report."""
