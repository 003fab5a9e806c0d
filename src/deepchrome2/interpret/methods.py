"""Names of the class-optimization methods (torch-free, so that checking a config is cheap)."""

OPTMAP_METHODS = ("dc", "ascent")
