"""DeepChrome 2.0: predicting gene expression from histone modifications."""

__version__ = "0.1.0"
