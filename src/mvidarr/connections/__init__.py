"""Media-server connections: Jellyfin, Plex and Kodi told to rescan what changed in the library, and
users' watched state synced with their accounts on them."""
