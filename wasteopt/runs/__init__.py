"""One solve end to end: the pipeline, run folders, the registry, exports and sweeps."""
