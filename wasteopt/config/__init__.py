"""The words of a scenario: its schema, the YAML loader, changes, user files, errors and statuses."""
