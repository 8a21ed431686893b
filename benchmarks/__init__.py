"""Benchmarks of issue 6: the collection against what users would write instead (see README.md)."""
