"""Local HTTP servers that speak the platforms' real wire formats, for tests and benchmarks."""
