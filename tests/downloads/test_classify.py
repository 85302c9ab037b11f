"""yt-dlp's error texts sorted into the kinds that decide between retrying, failing over and giving up."""

from __future__ import annotations

import pytest

from mvidarr.downloads.failures import classify


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        # A dropped connection once yt-dlp's own retries ran out (seen on a loaded machine).
        (
            "[download] Got error: 312715 bytes read, 625430 more expected. Giving up after 3 retries",
            "transient",
        ),
        ("ERROR: unable to download video data: HTTP Error 503: Service Unavailable", "transient"),
        ("ERROR: unable to download video data: HTTP Error 429: Too Many Requests", "rate_limited"),
        ("ERROR: [download] Downloaded 100 bytes, expected 200 bytes", "transient"),
        ("ERROR: unable to download video data: HTTP Error 404: Not Found", "unavailable"),
        ("ERROR: [youtube] abc: Private video. Sign in if you've been granted access", "private"),
        ("ERROR: The uploader has not made this video available in your country", "geo"),
        ("ERROR: Unsupported URL: http://example.com/page", "not_media"),
        ("something nobody has seen before", "error"),
    ],
)
def test_kinds(message: str, kind: str) -> None:
    assert classify(message) == kind
