"""Benchmarks: the collection against what users would write instead (see README.md)."""
