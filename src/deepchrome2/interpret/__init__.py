"""What trained models learned: class-optimization maps, attention and attribution maps."""
