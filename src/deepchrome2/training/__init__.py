"""Training one architecture on one cell: data, transform, loop, metrics, artifacts, tables."""
