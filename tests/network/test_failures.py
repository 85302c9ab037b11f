"""Network failures are told apart and put in plain words."""

from __future__ import annotations

import socket

import pytest

from mvidarr.network import failures as network_failures


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        ("[Errno -3] Temporary failure in name resolution", "offline", "the network is unreachable"),
        (socket.gaierror(-2, "Name or service not known"), "offline", "the network is unreachable"),
        (OSError(101, "Network is unreachable"), "offline", "check this machine's internet connection"),
        (ConnectionRefusedError(111, "Connection refused"), "refused", "the connection was refused"),
        (TimeoutError("timed out"), "timeout", "no answer"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "tls", "secure connection"),
        ("something odd", "other", "cannot connect"),
    ],
)
def test_failures_are_classified_in_plain_words(error: BaseException | str, kind: str, words: str) -> None:
    failure = network_failures.describe(error, "api.example.org")
    assert failure.kind == kind
    assert words in failure.text
    assert "Errno" not in failure.text or kind == "other"
    if kind != "other":
        assert "api.example.org" in failure.text
