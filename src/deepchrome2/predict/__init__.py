"""Per-gene predictions: reading them, agreement between architectures, predict-only mode."""
