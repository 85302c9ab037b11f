"""Metadata provider clients and the resilient HTTP core they share.

Use: the provider hub is handed to whoever needs it (`ctx.providers` in a job, `ProvidersDep` in an
endpoint); `client = await providers.client("musicbrainz")`;
`await client.search_artists("Daft Punk")` → `list[ArtistInfo]` (see `providers.models`).
"""
