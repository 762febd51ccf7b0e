"""Inputs in typed tables: region seeds, checked tables, coordinates, the demand model, distances."""
