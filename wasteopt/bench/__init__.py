"""Benchmark instances (OR-Library readers, synthetic township and national instances), plain baselines and
the road and C&D benches: apart from the tests."""
