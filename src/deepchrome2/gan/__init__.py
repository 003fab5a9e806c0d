"""Conditional GAN of histone-signal matrices, its quality and class-optimization maps."""
