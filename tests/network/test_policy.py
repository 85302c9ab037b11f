"""The network policy: every class of non-public address refused (also behind a DNS name), and the
`network.allowed_private_hosts` allow-list by host name, address and CIDR range."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from mvidarr.network.policy import FetchFailed, FetchRefused, NetworkPolicy, NetworkRefused, Resolver

pytestmark = pytest.mark.anyio


def resolver(table: Mapping[str, Sequence[str]]) -> Resolver:
    async def resolve(host: str, _port: int) -> Sequence[str]:
        return table.get(host, ())

    return resolve


DNS = {
    "public.example": ["93.184.216.34"],
    "nas.example": ["192.168.1.20"],
    "sneaky.example": ["93.184.216.34", "10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "localhost": ["127.0.0.1", "::1"],
}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd12::1]/", "private"),
        ("http://169.254.10.1/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/", "cloud metadata"),
        ("http://100.100.100.200/", "cloud metadata"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://100.64.0.1/", "not publicly routable"),
        ("http://198.18.0.1/", "private"),
        ("http://localhost/", "loopback"),
        ("http://nas.example/", "private"),
        ("http://sneaky.example/", "private"),  # one private answer among public ones is enough
        ("http://metadata.example/", "cloud metadata"),
    ],
)
async def test_every_class_of_non_public_address_is_refused(url: str, reason: str) -> None:
    policy = NetworkPolicy.allowing([], resolver(DNS))
    with pytest.raises(NetworkRefused) as refused:
        await policy.check_url(url)
    detail = str(refused.value)
    assert reason in detail
    assert "refused by the network policy" in detail
    assert "network.allowed_private_hosts" in detail
    assert refused.value.status == 422


async def test_public_addresses_pass() -> None:
    policy = NetworkPolicy.allowing([], resolver(DNS))
    assert [str(a) for a in await policy.check_url("https://public.example/watch?v=x")] == ["93.184.216.34"]
    assert [str(a) for a in await policy.check_url("http://8.8.8.8:8080/")] == ["8.8.8.8"]


@pytest.mark.parametrize(
    ("entries", "url"),
    [
        (["nas.example"], "http://nas.example:8686/"),  # a host name
        (["NAS.Example."], "http://nas.example/"),  # names compare case- and trailing-dot-insensitively
        (["192.168.1.20"], "http://nas.example/"),  # an address
        (["192.168.0.0/16"], "http://192.168.77.3/"),  # a range
        (["127.0.0.0/8", "::1"], "http://localhost/"),  # every answer allowed
        (["::1"], "http://[::1]:5000/"),
        (["127.0.0.1"], "http://[::ffff:127.0.0.1]/"),  # the IPv4-mapped form of an allowed address
    ],
)
async def test_the_allow_list_lets_private_hosts_through(entries: list[str], url: str) -> None:
    policy = NetworkPolicy.allowing(entries, resolver(DNS))
    assert await policy.check_url(url)


@pytest.mark.parametrize(
    ("entries", "url"),
    [
        (["192.168.1.21"], "http://nas.example/"),  # another address
        (["10.0.0.0/8"], "http://192.168.1.1/"),  # another range
        (["127.0.0.1"], "http://localhost/"),  # ::1 is not allowed: every answer must be
        (["nas.example"], "http://192.168.1.20/"),  # a name allows the name, not its address by literal
        (["public.example"], "http://169.254.169.254/"),
    ],
)
async def test_the_allow_list_allows_only_what_it_lists(entries: list[str], url: str) -> None:
    policy = NetworkPolicy.allowing(entries, resolver(DNS))
    with pytest.raises(NetworkRefused):
        await policy.check_url(url)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://public.example/", "gopher://x/", "/relative", "http://u:p@public.example/"]
)
async def test_only_plain_http_urls(url: str) -> None:
    with pytest.raises(FetchRefused):
        await NetworkPolicy.allowing([], resolver(DNS)).check_url(url)


async def test_unresolvable_names_pass_submission_but_not_a_connection() -> None:
    policy = NetworkPolicy.allowing([], resolver(DNS))
    assert await policy.check_url("https://not-resolvable.example/") == []
    with pytest.raises(FetchFailed):
        await policy.check_url("https://not-resolvable.example/", unresolved_ok=False)
    with pytest.raises(FetchFailed):
        await policy.resolve("not-resolvable.example", 443)


async def test_the_setting_validates_and_normalises_entries(client: object) -> None:
    import httpx

    assert isinstance(client, httpx.AsyncClient)
    saved = await client.patch(
        "/api/v1/settings", json={"network.allowed_private_hosts": ["NAS.local", "192.168.1.5", "10.0.0.0/8", "::1"]}
    )
    assert saved.status_code == 200, saved.text
    value = next(s["value"] for s in saved.json() if s["key"] == "network.allowed_private_hosts")
    assert value == ["nas.local", "192.168.1.5", "10.0.0.0/8", "::1"]
    bad = await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": ["not a host!"]})
    assert bad.status_code == 422
