"""Import lists: artists to follow from Spotify, Last.fm or a Lidarr instance."""
