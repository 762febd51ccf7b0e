"""Inputs in typed tables: region seeds, demand, distances, synthetic instances."""
