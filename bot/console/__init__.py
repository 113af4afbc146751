"""The local console: the real bot against an in-process Bot API server, in a terminal."""
