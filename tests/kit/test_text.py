from __future__ import annotations

import pytest

from mvidarr.kit.text import fold, identity_key, nfc, search_terms, sort_name


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Björk", "bjork"),
        ("Motörhead", "motorhead"),
        ("Sigur Rós", "sigur ros"),
        ("Mötley Crüe", "motley crue"),
        ("Ødegård", "odegard"),
        ("Straße", "strasse"),
        ("  Many   Spaces ", "many spaces"),
        ("少女時代", "少女時代"),
        ("Кино", "кино"),
        ("BEYONCÉ", "beyonce"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("a", "b"),
    [("The Beatles", "Beatles, The"), ("the beatles", "BEATLES"), ("A Tribe Called Quest", "Tribe Called Quest, A")],
)
def test_identity_key_equates_article_forms(a: str, b: str) -> None:
    assert identity_key(a) == identity_key(b)


def test_identity_key_keeps_distinct_names_apart() -> None:
    assert identity_key("The The") != identity_key("The")
    assert identity_key("Theory") != identity_key("Ory")


@pytest.mark.parametrize(
    ("name", "sorted_as"), [("The Cure", "Cure, The"), ("An Horse", "Horse, An"), ("Theo", "Theo")]
)
def test_sort_name(name: str, sorted_as: str) -> None:
    assert sort_name(name) == sorted_as


def test_nfc_composes_and_trims() -> None:
    assert nfc("Bjo\u0308rk ") == "Björk"


def test_search_terms_escape_like_wildcards() -> None:
    assert search_terms("100% Pure_Love") == ["100\\%", "pure\\_love"]
    assert search_terms("   ") == []
