"""A yt-dlp extractor plugin for tests: a local "FakeTube" that answers like YouTube does.

`/watch/<id>` on the local media server has a player response at `/player/<id>` with YouTube's
`playabilityStatus` (status, reason, subreason). The refusals take YouTube's own wording and go
through yt-dlp's own paths, as its YouTube extractor does (`_video.py`, "if not formats"): a geo
block raises GeoRestrictedError, a "sign in" reason gets the cookies hint, a video whose formats
want a PO token warns about it and has no formats. The worker loads this plugin through yt-dlp's
plugin mechanism when the test puts this folder on PYTHONPATH.
"""

from __future__ import annotations

from typing import Any, ClassVar

from yt_dlp.extractor.common import InfoExtractor


class FakeTubeIE(InfoExtractor):
    _VALID_URL = r"https?://127\.0\.0\.1:\d+/watch/(?P<id>[\w-]+)"
    IE_NAME: ClassVar[str] = "faketube"  # type: ignore[misc]

    def _real_extract(self, url: str) -> dict[str, Any]:
        video_id = self._match_id(url)
        base = url.split("/watch/", 1)[0]
        player = self._download_json(f"{base}/player/{video_id}", video_id)
        status = player.get("playabilityStatus") or {}
        formats: list[dict[str, Any]] = []
        if status.get("status") == "OK":
            if player.get("poTokenRequired") and not self._configuration_arg("po_token", ie_key="youtube"):
                self.report_warning(
                    f"{video_id}: web client https formats require a GVS PO Token which was not provided. "
                    "They will be skipped as they may yield HTTP Error 403."
                )
            else:
                media = str(player.get("media") or "clip.mp4")
                formats.append({"url": f"{base}/media/{media}", "ext": "mp4", "format_id": "18"})
        if not formats:
            reason = str(status.get("reason") or "")
            subreason = str(status.get("subreason") or "")
            if subreason.startswith("The uploader has not made this video available in your country"):
                self.raise_geo_restricted(subreason, metadata_available=True)
            if subreason and subreason != reason:
                reason += f". {subreason}"
            if "sign in" in reason.lower():
                reason = reason.removesuffix("This helps protect our community. Learn more").strip()
                reason = f"{reason.removesuffix('.')}. {self._login_hint(method='cookies')}"
            self.raise_no_formats(reason or "No video formats found!", expected=True)
        info: dict[str, Any] = {"id": video_id, "title": str(player.get("title") or video_id), "formats": formats}
        if player.get("duration"):
            info["duration"] = float(player["duration"])
        if player.get("extractorKey"):
            # yt-dlp's SponsorBlock postprocessor asks only for YouTube's videos: this fake says it is one.
            info["extractor_key"] = str(player["extractorKey"])
        return info
