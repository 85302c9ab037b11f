"""Which client class serves which provider."""

from __future__ import annotations

from mvidarr.providers.base import ProviderClient
from mvidarr.providers.imvdb import ImvdbClient
from mvidarr.providers.lastfm import LastFmClient
from mvidarr.providers.models import ProviderName
from mvidarr.providers.musicbrainz import MusicBrainzClient
from mvidarr.providers.spotify import SpotifyClient
from mvidarr.providers.theaudiodb import TheAudioDbClient
from mvidarr.providers.wikidata import WikidataClient
from mvidarr.providers.wikipedia import WikipediaClient
from mvidarr.providers.youtube import YouTubeClient

CLIENTS: dict[ProviderName, type[ProviderClient]] = {
    "imvdb": ImvdbClient,
    "musicbrainz": MusicBrainzClient,
    "wikipedia": WikipediaClient,
    "wikidata": WikidataClient,
    "theaudiodb": TheAudioDbClient,
    "lastfm": LastFmClient,
    "spotify": SpotifyClient,
    "youtube": YouTubeClient,
}
