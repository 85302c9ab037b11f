"""Metadata provider clients and the resilient HTTP core they share.

Use: `hub = providers.hub.current()`; `client = await hub.client("musicbrainz")`;
`await client.search_artists("Daft Punk")` → `list[ArtistInfo]` (see `providers.models`).
"""
