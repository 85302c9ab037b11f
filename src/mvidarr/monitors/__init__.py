"""Monitors: YouTube channels and playlists whose new uploads become wanted videos."""
