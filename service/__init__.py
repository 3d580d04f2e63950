"""Self-hosted comment moderation: one pipeline behind a Flask API, a CLI and compatible endpoints."""

__version__ = "0.1.0"
