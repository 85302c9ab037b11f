"""Credits that look joint: is "Simon & Garfunkel" one artist, or "Calvin Harris x Dua Lipa" two?

"feat.", "ft." and "featuring" always join artists. Every other connector ("x", "&", "and", "+",
"with", "vs.", a comma) also appears inside real names ("Earth, Wind & Fire", "Florence + the
Machine"), so a provider decides: MusicBrainz's artist search for the exact name (a hit scoring at
least `MIN_SCORE` whose name, sort name or an alias is the credit), then IMVDb's entity search (an
entity of exactly that name). MusicBrainz's "no" is a no: the credit is split. IMVDb can only say
yes (it lists video artists only). When MusicBrainz cannot answer (disabled, down, rate limited)
and IMVDb says nothing, the verdict is unknown and `credited_artists` keeps the library-only rule:
"x"/"vs."/"with" split, "&"/"and"/"+"/commas split only when the library has the first artist.

Provider calls happen in `CreditVerdicts.prepare`, with no database transaction open; deciding
(`credited_artists`) then only reads the verdicts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable

from mvidarr.kit.text import identity_key, nfc
from mvidarr.library.titles import joint_credit
from mvidarr.metadata.matching import name_key, natural_sort_name
from mvidarr.providers.errors import ProviderError, ProviderNotConfigured, ProviderNotFound
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import ArtistInfo, ProviderName
from mvidarr.providers.parsing import lucene_quote

log = logging.getLogger("mvidarr.metadata")
# MusicBrainz's own relevance (0..100) below which a hit is not the name searched for.
MIN_SCORE = 90
SEARCH_LIMIT = 5
# A credit naming a featured artist is never one artist's name: no provider is asked about it.
_FEATURING = re.compile(r"\s(?:feat\.?|ft\.?|featuring)\s", re.IGNORECASE)
Known = Callable[[str], Awaitable[bool]]


def looks_joint(name: str) -> bool:
    """Whether a credit has a connector that may join several artists."""
    sure, maybe = joint_credit(name)
    return bool(sure or maybe)


def names_to_ask(credit: str) -> list[str]:
    """The names whose oneness decides how `credit` splits: the whole credit, and its first part."""
    sure, maybe = joint_credit(credit)
    asked: list[str] = []
    if (sure or maybe) and not _FEATURING.search(f" {nfc(credit)} "):
        asked.append(credit)
    if sure and joint_credit(sure[0])[1]:
        asked.append(sure[0])
    return asked


def is_named(info: ArtistInfo, name: str) -> bool:
    """Whether a provider's artist is called `name` (by its name, sort name or an alias)."""
    wanted = name_key(name)
    spellings = [info.name, *info.aliases]
    if info.sort_name:
        spellings += [info.sort_name, natural_sort_name(info.sort_name)]
    return any(name_key(s) == wanted for s in spellings if s)


class CreditVerdicts:
    """What providers said about joint-looking credits during one scan (or one request).

    A provider that fails is not asked again by this object: the rest of the run falls back at once.
    """

    def __init__(self, providers: ProviderHub | None) -> None:
        self.providers = providers
        self._verdicts: dict[str, bool | None] = {}
        self.failed: dict[ProviderName, str] = {}
        """Providers that could not answer in this run, and why (not configured counts: see `unconfigured`)."""
        self.unconfigured: set[ProviderName] = set()
        self.asked = 0

    def verdict(self, name: str) -> bool | None:
        """True: a provider says `name` is one artist; False: MusicBrainz says it is not; None: unknown."""
        return self._verdicts.get(name_key(name))

    async def prepare(self, credits: Iterable[str], known: Known) -> None:
        """Ask the providers about every joint-looking credit not yet decided (none the library knows)."""
        await self.ask(await self.to_ask(credits, known))

    async def to_ask(self, credits: Iterable[str], known: Known) -> list[str]:
        """The names of these credits the providers have to be asked about: undecided, not in the library."""
        names: dict[str, str] = {}
        for credit in credits:
            for name in names_to_ask(credit):
                key = name_key(name)
                if key not in self._verdicts and key not in names and not await known(name):
                    names[key] = name
        return list(names.values())

    async def ask(self, names: Iterable[str]) -> None:
        """Ask the providers whether each name is one artist (call with no transaction open)."""
        for name in names:
            key = name_key(name)
            if key not in self._verdicts:
                self._verdicts[key] = await self._ask(name)

    async def _ask(self, name: str) -> bool | None:
        if self.providers is None:
            return None
        self.asked += 1
        musicbrainz = await self._search("musicbrainz", lucene_quote(name))
        if musicbrainz is not None and any(
            is_named(a, name) and (a.score is None or a.score * 100 >= MIN_SCORE) for a in musicbrainz
        ):
            return True
        imvdb = await self._search("imvdb", name)
        if imvdb is not None and any(a.name and name_key(a.name) == name_key(name) for a in imvdb):
            return True
        return False if musicbrainz is not None else None

    async def _search(self, provider: ProviderName, query: str) -> list[ArtistInfo] | None:
        """The provider's hits, or None when it cannot answer (not configured, failing now or before)."""
        if provider in self.failed or self.providers is None:
            return None
        try:
            client = await self.providers.client(provider)
            return await client.search_artists(query, limit=SEARCH_LIMIT)
        except ProviderNotFound:
            return []
        except ProviderNotConfigured as exc:
            self.failed[provider] = exc.reason
            self.unconfigured.add(provider)
        except ProviderError as exc:
            log.warning("%s could not say whether a credit is one artist: %s", provider, exc)
            self.failed[provider] = exc.reason
        return None


async def credited_artists(
    credit: str, featured: list[str], *, known: Known, verdicts: CreditVerdicts
) -> tuple[str, list[str]]:
    """The artist a credit names and its featured artists: 'A x B' is A featuring B.

    Kept whole when the library has an artist of that name, or a provider says it is one artist.
    Split when MusicBrainz says it is not; when no provider could say, "x", "vs." and "with" split
    and "&", "and", "+" and commas split only when the library has the first artist.
    """
    if await known(credit) or verdicts.verdict(credit) is True:
        return credit, featured
    sure, maybe = joint_credit(credit)
    said_not = verdicts.verdict(credit) is False
    if sure:
        first, others = sure[0], sure[1:]
        # "A & B x C": the first part is split in turn, on the same terms as a whole credit.
        first_maybe = joint_credit(first)[1]
        first_is_one = await known(first) or verdicts.verdict(first) is True
        if first_maybe and not first_is_one and (verdicts.verdict(first) is False or await known(first_maybe[0])):
            first, others = first_maybe[0], [*first_maybe[1:], *others]
    elif maybe and (said_not or await known(maybe[0])):
        first, others = maybe[0], maybe[1:]
    else:
        return credit, featured
    seen = {identity_key(first)}
    kept: list[str] = []
    for other in [*others, *featured]:
        if identity_key(other) not in seen:
            seen.add(identity_key(other))
            kept.append(other)
    return first, kept
