"""ExitWatch core: feeds, analysis, storage and the query service. Knows nothing of Discord."""

__version__ = "0.1.0"
