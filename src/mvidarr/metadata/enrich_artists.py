"""Enriching one artist: each provider in turn, by an id the artist (or an earlier provider) gave,
else by name; two equally good namesakes go to review. See `enrich` for the shape of a unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete

from mvidarr.db import utcnow
from mvidarr.metadata import merge
from mvidarr.metadata.enrich import MAX_CANDIDATES, Asker, Note, Outcome, Writes, quiet, upsert_review
from mvidarr.metadata.matching import credited_names, name_key, natural_sort_name, score_artist
from mvidarr.models import Artist, MatchReview
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, ProviderName

if TYPE_CHECKING:
    pass

log = logging.getLogger("mvidarr.metadata")
# Providers asked about artists, in this order (ids found early help later ones).
ARTIST_PROVIDERS: tuple[ProviderName, ...] = (
    "musicbrainz",
    "imvdb",
    "theaudiodb",
    "spotify",
    "lastfm",
    "wikidata",
    "wikipedia",
)

_ARTIST_ID_FIELD: dict[ProviderName, str] = {
    "musicbrainz": "musicbrainz_id",
    "theaudiodb": "audiodb_id",
    "spotify": "spotify_id",
    "wikidata": "wikidata_id",
    "youtube": "youtube_channel_id",
}


@dataclass(frozen=True, slots=True)
class ArtistSnapshot:
    id: int
    name: str
    disambiguation: str
    ids: dict[str, Any]
    locked: frozenset[str]


def known_artist_id(name: ProviderName, ids: dict[str, Any], found: ExternalIds) -> str | None:
    """The artist's id at provider `name`, from the row or from what other providers said."""
    if name == "imvdb":
        value = ids.get("imvdb_id") or ids.get("imvdb_slug") or found.imvdb
    elif name == "wikipedia":
        value = found.wikipedia  # "en:Title", from Wikidata's site links
    elif name == "lastfm":
        value = None  # looked up by name: Last.fm corrects spellings
    else:
        field_name = _ARTIST_ID_FIELD.get(name)
        value = ids.get(field_name) if field_name else None
        value = value or getattr(found, "audiodb" if name == "theaudiodb" else name, None)
    return str(value) if value else None


class ArtistEnricher(Writes):
    """Enriches one artist at a time; with a data dir its image and fanart are downloaded too."""

    async def enrich(self, artist_id: int, note: Note = quiet) -> Outcome:
        outcome = Outcome()
        async with self.sessions() as session:
            artist = await session.get(Artist, artist_id)
            if artist is None:
                outcome.status = "gone"
                return outcome
            snap = ArtistSnapshot(
                id=artist.id,
                name=artist.name,
                disambiguation=artist.disambiguation,
                ids={f: getattr(artist, f) for f in (*_ARTIST_ID_FIELD.values(), "imvdb_slug", "imvdb_id")},
                locked=frozenset(artist.locked_fields or ()),
            )
        asker = Asker(self.providers, outcome, note)
        offers: dict[ProviderName, dict[str, Any]] = {}
        confidences: dict[ProviderName, float] = {}
        candidates: list[dict[str, Any]] = []
        found_ids = ExternalIds()
        for name in ARTIST_PROVIDERS:
            info, confidence = await self._one(asker, name, snap, found_ids, candidates)
            if info is None:
                continue
            offers[name] = merge.artist_offer(info)
            confidences[name] = confidence
            found_ids = found_ids.merged(info.ids)
        outcome.providers = sorted(offers)
        outcome.best_confidence = max([*confidences.values(), *(c["confidence"] for c in candidates)], default=None)
        if not offers:
            outcome.status = "review" if candidates else ("failed" if outcome.failed_providers else "unmatched")
            await self._finish_unmatched(snap, candidates, mark=not outcome.failed_providers or bool(candidates))
            return outcome
        outcome.status = "matched"
        chosen = merge.merge(offers, confidences, self.policy.artist_order)
        outcome.changed = await self._apply(snap, chosen)
        outcome.changed += await self._artwork("artist", snap.id, chosen)
        return outcome

    async def _one(
        self,
        asker: Asker,
        name: ProviderName,
        snap: ArtistSnapshot,
        found_ids: ExternalIds,
        candidates: list[dict[str, Any]],
    ) -> tuple[ArtistInfo | None, float]:
        if name == "lastfm":
            named = await asker.client(name, Capability.GET_ARTIST)
            if named is None:
                return None, 0.0
            info = await asker.ask(name, lambda: named.get_artist(snap.name))
            confidence = score_artist(snap.name, info.name) if info is not None else 0.0
            return (info, confidence) if confidence >= self.policy.threshold else (None, 0.0)
        known = known_artist_id(name, snap.ids, found_ids)
        if known:
            getter = await asker.client(name, Capability.GET_ARTIST)
            if getter is None:
                return None, 0.0
            by_id = await asker.ask(name, lambda: getter.get_artist(known))
            if by_id is not None or name in asker.outcome.failed_providers:
                return by_id, 1.0
            # A stale or unknown id (say, a slug no entity has any more): said, then searched by name.
            log.info("artist %s: %s has no artist %r; searching by name", snap.id, name, known)
            await asker.note(f"{name} has no artist {known!r}; searching by name")
        client = await asker.client(name, Capability.SEARCH_ARTISTS)
        if client is None:
            return None, 0.0
        found = await asker.ask(name, lambda: client.search_artists(snap.name, limit=5)) or []
        scored = sorted(
            (
                (
                    score_artist(
                        snap.name,
                        info.name,
                        disambiguation_hint=snap.disambiguation,
                        candidate_detail=info.disambiguation or "",
                        aliases=[*info.aliases, *([natural_sort_name(info.sort_name)] if info.sort_name else [])],
                    ),
                    info,
                )
                for info in found
            ),
            key=lambda pair: -pair[0],
        )
        # Two equally good namesakes: a person has to choose.
        tied = len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.01 and not snap.disambiguation
        parts = {name_key(part): part for part in credited_names(snap.name)}
        candidates.extend(
            {
                "provider": info.provider,
                "provider_id": info.provider_id,
                "name": info.name,
                "disambiguation": info.disambiguation,
                "country": info.country,
                "confidence": conf,
                # "A & B" searched, A found: the provider knows A, not "A & B" as one artist.
                "reason": (
                    f"'{snap.name}' looks like a joint credit: {part} is one of its artists"
                    if conf < self.policy.threshold and (part := parts.get(name_key(info.name)))
                    else None
                ),
            }
            for conf, info in scored[:MAX_CANDIDATES]
        )
        if not scored or scored[0][0] < self.policy.threshold or tied:
            return None, 0.0
        confidence, best = scored[0]
        if client.supports(Capability.GET_ARTIST):
            detail = await asker.ask(name, lambda: client.get_artist(best.provider_id))
            best = detail or best
        return best, confidence

    async def _apply(self, snap: ArtistSnapshot, chosen: dict[str, merge.Chosen]) -> list[str]:
        now = utcnow()
        async with self.sessions() as session:
            artist = await session.get(Artist, snap.id)
            if artist is None:
                return []
            locked = set(artist.locked_fields or ())
            provenance = dict(artist.field_provenance or {})
            # Identity fields stay as the user named the artist; ids the unique index does not cover are safe.
            changed = merge.apply(
                artist, chosen, locked=locked, provenance=provenance, at=now, skip=("sort_name", "disambiguation")
            )
            for art in merge.ARTWORK:
                if art in chosen:
                    kept = {k: v for k, v in (provenance.get(art) or {}).items() if k == "stored_url"}
                    provenance[art] = {**chosen[art].provenance(now), "url": chosen[art].value, **kept}
            if "genres" in chosen and "genres" not in locked:
                await merge.apply_genres(session, artist_id=artist.id, pick=chosen["genres"])
                provenance["genres"] = chosen["genres"].provenance(now)
                changed.append("genres")
            artist.field_provenance = provenance
            artist.last_enriched_at = now
            await session.execute(delete(MatchReview).where(MatchReview.artist_id == artist.id))
            await self._announce(session, "artist", artist.id, changed)
            await session.commit()
        return changed

    async def _finish_unmatched(self, snap: ArtistSnapshot, candidates: list[dict[str, Any]], *, mark: bool) -> None:
        async with self.sessions() as session:
            if candidates:
                ranked = sorted(candidates, key=lambda c: -float(c["confidence"]))[:MAX_CANDIDATES]
                values = {
                    "query": {"name": snap.name, "disambiguation": snap.disambiguation},
                    "candidates": ranked,
                    "best_confidence": float(ranked[0]["confidence"]),
                    "provider": ranked[0]["provider"],
                }
                await upsert_review(session, values, artist_id=snap.id)
            artist = await session.get(Artist, snap.id)
            if artist is not None and mark:
                artist.last_enriched_at = utcnow()
            await session.commit()
