"""The web app's pieces in process: the private-target policy, its settings, a page through ASGITransport."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from support.catalogue_samples import add_article
from support.cli import run_cli
from support.web import asgi_client

from archiver.crawler.capture.targets import BlockedTarget, TargetGuardMiddleware, TargetPolicy, is_public_address
from archiver.web import WebConfig
from storage import Archive


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.216.34", True), ("2606:4700::1111", True), ("127.0.0.1", False), ("10.0.0.1", False),
    ("172.16.5.4", False), ("192.168.1.1", False), ("169.254.169.254", False), ("100.100.100.200", False),
    ("0.0.0.0", False), ("224.0.0.1", False), ("240.0.0.1", False), ("255.255.255.255", False), ("::1", False),
    ("fe80::1", False), ("fd00:ec2::254", False), ("::ffff:127.0.0.1", False), ("ff02::1", False),
])
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_allow_list_entries() -> None:
    policy = TargetPolicy.parse("10.0.0.0/8, 127.0.0.1:8080, [::1]:9000")
    assert policy.allows(ipaddress.ip_address("10.1.2.3"), 80)
    assert policy.allows(ipaddress.ip_address("127.0.0.1"), 8080)
    assert not policy.allows(ipaddress.ip_address("127.0.0.1"), 8081)
    assert policy.allows(ipaddress.ip_address("::1"), 9000) and not policy.allows(ipaddress.ip_address("::1"), 80)
    assert TargetPolicy.parse("true").allow_all and not TargetPolicy.parse("").allow_all
    with pytest.raises(ValueError, match="not an address"):
        TargetPolicy.parse("intranet.example")


def test_guard_drops_a_response_from_a_private_address() -> None:
    """DNS may answer differently at connection time: the response's own address is checked too."""
    guard = TargetGuardMiddleware(TargetPolicy(), SimpleNamespace(stats=None))  # type: ignore[arg-type]
    request = SimpleNamespace(url="http://news.example/")
    private = SimpleNamespace(url="http://news.example/", ip_address=ipaddress.ip_address("192.168.0.10"))
    public = SimpleNamespace(url="http://news.example/", ip_address=ipaddress.ip_address("93.184.216.34"))
    with pytest.raises(BlockedTarget, match="192.168.0.10 is not a public address"):
        guard.process_response(request, private)  # type: ignore[arg-type]
    assert guard.process_response(request, public) is public  # type: ignore[arg-type]


def test_web_config_refuses_a_bad_allow_list(tmp_path: Path) -> None:
    from storage import ConfigError
    with pytest.raises(ConfigError, match="ARCHIVER_ALLOW_PRIVATE_TARGETS"):
        WebConfig.from_env({"ARCHIVER_HOME": str(tmp_path), "ARCHIVER_ALLOW_PRIVATE_TARGETS": "intranet"})


def test_serve_refuses_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "archive", "serve", env={"ARCHIVER_ALLOW_PRIVATE_TARGETS": "intranet"})
    assert result.returncode == 2
    assert "ARCHIVER_ALLOW_PRIVATE_TARGETS: 'intranet' is not an address" in result.stderr
    assert "Traceback" not in result.stderr


def test_article_page_says_where_a_crawl_found_the_page(tmp_path: Path) -> None:
    from storage import StorageConfig

    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        capture = add_article(archive, "https://news.example/2024/04/02/budget", title="Budget agreed",
                              text="The council agreed the budget.", listing={
                                  "source": "https://news.example/feeds/rss.xml", "title": "Budget agreed at last",
                                  "published": "2024-04-02T08:00:00+00:00"})

    async def get() -> str:
        async with asgi_client(WebConfig(storage=config)) as client:
            return (await client.get(f"/captures/{capture.id}")).text

    page = asyncio.run(get())
    assert re.search(r"<dt>Listed in</dt><dd class=\"url\">https://news.example/feeds/rss.xml as "
                     r"“Budget agreed at last”, 2024-04-02T08:00:00\+00:00</dd>", page), page
