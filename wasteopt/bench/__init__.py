"""Benchmark instances, plain baselines and suites (apart from the tests)."""
