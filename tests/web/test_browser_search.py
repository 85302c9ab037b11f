"""Search in a real browser: the top-bar box suggests artists and videos with the typed letters marked,
Enter shows every result on the search page, a typo is corrected there, and axe finds nothing serious."""

from __future__ import annotations

from tests.web.browser import BROWSER_MARKS, Server, Tab, axe_problems, axe_source, browser, server, sign_in, tab

pytestmark = BROWSER_MARKS
__all__ = ["browser", "server", "tab"]  # fixtures, used by name


def test_top_bar_suggestions_and_the_search_page(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    with server.api(server.admin_token()) as api:
        sigur = api.post("/artists", json={"name": "Sigur Rós"}).json()
        video = api.post("/videos", json={"artist_id": sigur["id"], "title": "Hoppípolla"}).json()
        api.post("/videos", json={"artist_id": sigur["id"], "title": "Glósóli"})
    page = tab.page
    tab.go("/")
    page.fill("#global-search", "hoppi")
    option = page.locator("#search-suggestions li").first
    option.wait_for()
    assert option.locator("mark").inner_text() == "Hoppí"
    assert "Sigur Rós" in option.inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.base}/videos/{video['id']}")

    page.fill("#global-search", "sigur")
    page.wait_for_selector("#search-suggestions li:has-text('All results for')")
    page.keyboard.press("Enter")  # no suggestion chosen: the form goes to the search page
    page.wait_for_url(f"{server.base}/search?q=sigur")
    rows = page.locator("#search-results li")
    assert rows.count() == 3
    assert rows.first.get_attribute("data-kind") == "artist"
    assert page.locator("#search-results mark").first.inner_text() == "Sigur"
    assert axe_problems(page, axe_source()) == []

    page.fill("#search-q", "glosolli")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#search-corrected")
    assert page.locator("#search-results li").count() == 1
    assert page.locator("#search-results li a").inner_text() == "Glósóli"


def test_facets_narrow_the_videos_and_searches_are_saved(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    with server.api(server.admin_token()) as api:
        artist = api.post("/artists", json={"name": "Facet Band"}).json()
        for title, year, kind in (
            ("Facet One", 1991, "live"),
            ("Facet Two", 1995, "official"),
            ("Facet Three", 2004, "official"),
        ):
            made = api.post("/videos", json={"artist_id": artist["id"], "title": title, "year": year, "kind": kind})
            assert made.status_code == 201, made.text
    page = tab.page
    tab.go("/videos?q=facet+band&sort=title")
    decade = page.locator('#facets [data-facet="decade"] a:has-text("1990s")')
    decade.wait_for()
    assert decade.inner_text() == "1990s (2)"
    assert page.locator('#facets [data-facet="kind"] a:has-text("live")').inner_text() == "live (1)"
    decade.click()
    page.wait_for_url("**year_min=1990**")
    page.locator('#facets [data-facet="decade"] a[aria-current="true"]').wait_for()
    assert page.locator("#video-list tbody tr[data-video-id]").count() == 2
    # The other decade keeps its count while this one is chosen.
    assert page.locator('#facets [data-facet="decade"] a:has-text("2000s")').inner_text() == "2000s (1)"
    assert axe_problems(page, axe_source()) == []

    page.fill("#save-search-name", "Facet nineties")
    page.click("#save-search button[type=submit]")
    page.wait_for_selector(".toast:has-text('Saved')")
    saved = page.locator("#saved-searches a:has-text('Facet nineties')")
    saved.wait_for()
    tab.go("/videos")
    page.locator("#saved-searches a:has-text('Facet nineties')").click()
    page.wait_for_url("**year_min=1990**")
    assert page.locator("#video-list tbody tr[data-video-id]").count() == 2

    page.locator("#saved-searches button:has-text('Delete')").click()
    page.locator("dialog button[value=yes]").click()
    page.wait_for_selector("#saved-searches li:has-text('None yet.')")
