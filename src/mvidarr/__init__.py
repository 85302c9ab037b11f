"""MVidarr: a self-hosted manager for music video collections."""

__version__ = "1.0.0a1"
