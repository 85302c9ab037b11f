"""Discovery: the music videos monitored artists have, gathered from every enabled source."""
