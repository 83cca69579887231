"""archiver serve in-process through httpx.ASGITransport, on an archive made by archiving the fixture site.

Pages and API give the same data as the CLI's --json output; replay is sandboxed; forms are
CSRF-checked; POST /api/archive needs the token and refuses non-public targets (before the
crawl and at redirect hops) unless ARCHIVER_ALLOW_PRIVATE_TARGETS allows them.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request

import pytest
from support.cli import run_cli
from support.fixture_site import ARTICLE_PATH, PUBLISHED, parse_seed, running_site
from support.web import SideServer, SiteArchive, archive_fixture_site, asgi_client

from archiver.web import WebConfig
from storage import Archive
from storage.catalogue import queries

TOKEN = "test-token-0123456789"
SEED = parse_seed()


@pytest.fixture(scope="module")
def site_archive(tmp_path_factory: pytest.TempPathFactory) -> SiteArchive:
    """The fixture site archived once for the module (two `archiver archive` runs) and one schedule."""
    home = tmp_path_factory.mktemp("web") / "archive"
    with running_site() as site:
        archived = archive_fixture_site(home, site)
        code, _, err = run_cli(home, "schedule", "add", "nightly-site", "--cron", "0 3 * * *", "--",
                               "--site", site.url)
        assert code == 0, err
        yield archived


def config(archived: SiteArchive, **overrides: object) -> WebConfig:
    return WebConfig(storage=archived.storage, **{"api_token": TOKEN, **overrides})  # type: ignore[arg-type]


def call(archived: SiteArchive, method: str, path: str, *, web: WebConfig | None = None, **kwargs: object):
    """One request to a fresh app on ``archived``; the httpx response."""
    async def go():
        async with asgi_client(web or config(archived)) as client:
            return await client.request(method, path, **kwargs)
    return asyncio.run(go())


def cli_json(archived: SiteArchive, *args: str) -> list[dict]:
    code, out, err = run_cli(archived.home, *args, "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# ------------------------------------------------------------------------------ search
def test_search_page_shows_hits_with_marked_snippets(site_archive: SiteArchive) -> None:
    response = call(site_archive, "GET", "/", params={"q": "Armenia Russia"})
    assert response.status_code == 200
    page = response.text
    assert SEED.title in page
    assert f'href="http://testserver/captures/{site_archive.redirect["id"]}"' in page  # the latest capture
    assert re.search(r"<mark>(Armenia|Russia)</mark>", page)
    assert "AFP" in page and "2023-04-16" in page


def test_search_page_filters_and_paging(site_archive: SiteArchive) -> None:
    none = call(site_archive, "GET", "/", params={"q": "Armenia", "since": "2024"})
    assert SEED.title not in none.text and "No articles match" in none.text
    web = config(site_archive, page_size=1)
    first = call(site_archive, "GET", "/", params={"sort": "date"}, web=web)
    assert first.status_code == 200
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first.text)
    assert next_link, "a second page is linked"
    second = call(site_archive, "GET", "/" + next_link.group(1).replace("&amp;", "&"), web=web)
    titles = [re.findall(r'<h2><a href="[^"]+">([^<]+)</a>', r.text) for r in (first, second)]
    assert len(titles[0]) == 1 and len(titles[1]) == 1 and titles[0] != titles[1]
    assert 'rel="prev"' in second.text
    bad = call(site_archive, "GET", "/", params={"since": "not a date"})
    assert bad.status_code == 400 and "is not a date" in bad.text


def test_api_search_gives_the_cli_hits(site_archive: SiteArchive) -> None:
    response = call(site_archive, "GET", "/api/search", params={"q": "Armenia", "author": "AFP"})
    assert response.status_code == 200
    body = response.json()
    hit = body["hits"][0]
    assert {k: hit[k] for k in ("capture_id", "url", "title", "author", "published")} == {
        "capture_id": site_archive.redirect["id"], "url": site_archive.site.url + ARTICLE_PATH.lstrip("/"),
        "title": SEED.title, "author": "AFP", "published": PUBLISHED}
    assert "Armenia" in hit["snippet"]
    assert body["hits"] == cli_json(site_archive, "search", "Armenia", "--author", "AFP")
    assert call(site_archive, "GET", "/api/search", params={"q": "Armenia", "lang": "fr"}).json()["hits"] == []
    assert call(site_archive, "GET", "/api/search", params={"q": '"unterminated'}).status_code == 400


# ----------------------------------------------------------------------------- article
def test_article_page_has_text_metadata_and_timeline(site_archive: SiteArchive) -> None:
    capture_id = site_archive.article["id"]
    page = call(site_archive, "GET", f"/captures/{capture_id}").text
    assert f"<h1>{SEED.title}</h1>" in page
    first_paragraph = SEED.paragraphs[0]
    assert f"<p>{first_paragraph}</p>" in page.replace("&#39;", "'").replace("&#34;", '"')
    assert "AFP" in page and PUBLISHED in page and "The Moscow Times" in page
    timeline = page.split('class="timeline"')[1]
    # the article's page was captured directly and through /redirect (a revisit)
    assert f"#{capture_id}<" in timeline and f"#{site_archive.redirect['id']}<" in timeline
    assert f"/replay/{capture_id}" in page
    assert call(site_archive, "GET", "/captures/999999").status_code == 404


def test_api_capture_is_the_show_record_with_text(site_archive: SiteArchive) -> None:
    capture_id = site_archive.article["id"]
    record = call(site_archive, "GET", f"/api/captures/{capture_id}").json()
    shown = cli_json(site_archive, "show", str(capture_id))[0]
    assert {k: v for k, v in record.items() if k in shown} == {k: v for k, v in shown.items() if k in record}
    assert record["title"] == SEED.title and record["replay_url"] == f"/replay/{capture_id}"
    assert SEED.paragraphs[0] in record["text"]
    assert call(site_archive, "GET", "/api/captures/999999").status_code == 404


# ------------------------------------------------------------------------ history, diff
def test_api_history_matches_the_cli(site_archive: SiteArchive) -> None:
    body = call(site_archive, "GET", "/api/history", params={"url": site_archive.changing_url}).json()
    assert body["captures"] == cli_json(site_archive, "history", site_archive.changing_url)
    assert [c["capture_id"] for c in body["captures"]] == [c["id"] for c in site_archive.changing]
    assert [c["change"] for c in body["captures"]] == ["first", "changed"]
    missing = call(site_archive, "GET", "/api/history", params={"url": "https://nowhere.example/"})
    assert missing.status_code == 404


def test_diff_page_and_api_show_the_change(site_archive: SiteArchive) -> None:
    url = site_archive.changing_url
    body = call(site_archive, "GET", "/api/diff", params={"url": url}).json()
    assert body == cli_json(site_archive, "diff", url)[0]
    assert body["from"]["capture_id"] == site_archive.changing[0]["id"]
    assert body["to"]["capture_id"] == site_archive.changing[1]["id"]
    assert {"field": "title", "old": "Developing story - Version 1", "new": "Developing story - Version 2"} \
        in body["fields"]
    page = call(site_archive, "GET", "/diff", params={"url": url}).text
    assert "<del>Developing story - Version 1</del>" in page
    assert re.search(r'class="row change">In version <del>1</del><ins>2</ins>', page)
    same = site_archive.changing[0]["id"]
    bad = call(site_archive, "GET", "/api/diff", params={"url": url, "from": 999999})
    assert bad.status_code == 400 and "not a capture of this page" in bad.json()["detail"]
    assert call(site_archive, "GET", "/diff", params={"url": url, "from": same, "to": same}).status_code == 200


# ------------------------------------------------------------------------ runs, schedules
def test_runs_page_and_api_match_the_cli(site_archive: SiteArchive) -> None:
    body = call(site_archive, "GET", "/api/runs").json()
    assert body["runs"] == cli_json(site_archive, "runs")
    assert [run["kind"] for run in body["runs"]] == ["archive", "archive"]
    page = call(site_archive, "GET", "/runs").text
    for run in body["runs"]:
        assert f"<td>{run['id']}</td>" in page
        counts = run["counts"]
        assert counts["pages"] >= 1 and counts["articles"] >= 1, run  # an archive run records its counts
        row = re.search(rf"<tr><td>{run['id']}</td>.*?</tr>", page, flags=re.S)
        assert row and re.findall(r"<td>([^<]*)</td>", row.group(0))[-5:] == [
            str(counts[key]) for key in ("pages", "articles", "new_articles", "revisits", "errors")], row


def test_schedules_page_and_api(site_archive: SiteArchive) -> None:
    body = call(site_archive, "GET", "/api/schedules").json()
    listed = cli_json(site_archive, "schedule", "list")
    assert [s["name"] for s in body["schedules"]] == ["nightly-site"]
    assert body["schedules"] == listed  # the same records as the CLI prints
    page = call(site_archive, "GET", "/schedules").text
    assert "nightly-site" in page and "0 3 * * *" in page and f"--site {site_archive.site.url}" in page


def test_openapi_docs_list_the_endpoints(site_archive: SiteArchive) -> None:
    schema = call(site_archive, "GET", "/api/openapi.json").json()
    assert {"/api/search", "/api/captures/{capture_id}", "/api/history", "/api/diff", "/api/runs",
            "/api/schedules", "/api/archive"} <= set(schema["paths"])
    page = call(site_archive, "GET", "/api/docs").text
    assert "POST /api/archive" in page and "cdn" not in page.lower()


# ------------------------------------------------------------------------------ replay
def archive_path(capture: dict, modifier: str = "") -> str:
    """The app's archive URL of a capture (as ``archiver archive --json`` printed it)."""
    stamp = re.sub(r"\D", "", capture["fetched_at"])[:14]
    return f"/replay/{stamp}{modifier}/{capture['url']}"


def test_replay_of_a_capture_is_its_frame_page(site_archive: SiteArchive) -> None:
    capture = site_archive.article
    moved = call(site_archive, "GET", f"/replay/{capture['id']}", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == archive_path(capture)
    frame = call(site_archive, "GET", archive_path(capture), headers={"Accept": "text/html"})
    assert frame.status_code == 200 and capture["url"] in frame.text
    assert f'src="{archive_path(capture, "mp_")}"' in frame.text and "<iframe" in frame.text
    policy = frame.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "frame-src http://testserver/replay/" in policy and frame.headers["x-frame-options"] == "DENY"
    assert call(site_archive, "GET", "/replay/999999", follow_redirects=False).status_code == 404


def test_replay_raw_is_the_archived_payload_in_a_sandbox(site_archive: SiteArchive) -> None:
    capture_id = site_archive.article["id"]
    response = call(site_archive, "GET", archive_path(site_archive.article, "id_"))
    assert response.status_code == 200
    directives = [d.strip() for d in response.headers["content-security-policy"].split(";")]
    assert "sandbox" in directives and "default-src 'none'" in directives
    assert "img-src http://testserver/replay/ data:" in directives
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers
    with Archive(site_archive.storage, recover=False) as archive, archive.db.session() as session:
        from storage.warc.reader import decode_payload
        expected = decode_payload(archive.read(queries.get_capture(session, capture_id)))
    live = urllib.request.urlopen(site_archive.site.url + ARTICLE_PATH.lstrip("/"), timeout=10).read()
    assert response.content == expected == live
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    # A revisit replays the bytes of the capture it points at.
    assert call(site_archive, "GET", archive_path(site_archive.redirect, "id_")).content == live


def test_replay_rewrites_the_page_to_archive_urls(site_archive: SiteArchive) -> None:
    response = call(site_archive, "GET", archive_path(site_archive.article, "mp_"))
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert "sandbox" in response.headers["content-security-policy"]
    assert SEED.title in response.text
    stamp = archive_path(site_archive.article, "mp_").split("/")[2]
    hrefs = re.findall(r'href="([^"#]+)"', response.text)
    assert hrefs and all(h.startswith(f"/replay/{stamp}/") for h in hrefs), hrefs
    assert not re.search(r'(src|href)="https?://', response.text)


def test_replay_of_a_redirect_follows_it_inside_the_archive(site_archive: SiteArchive) -> None:
    with Archive(site_archive.storage, recover=False) as archive, archive.db.session() as session:
        hop = next(c for c in queries.captures_of_url(session, site_archive.site.url + "redirect") if c.is_redirect)
    frame = call(site_archive, "GET", f"/replay/{hop.id}", headers={"Accept": "text/html"}, follow_redirects=True)
    assert frame.status_code == 200 and f"redirected from {hop.url}" in frame.text
    stamp = re.search(r"/replay/(\d{14})/", str(frame.url)).group(1)
    response = call(site_archive, "GET", f"/replay/{stamp}mp_/{hop.url}", follow_redirects=False)
    assert response.status_code == 200 and "location" not in response.headers
    assert response.headers["x-archived-url"] == site_archive.site.url + ARTICLE_PATH.lstrip("/")
    assert SEED.title in response.text


def test_replay_of_what_was_never_archived_is_a_404(site_archive: SiteArchive) -> None:
    stamp = archive_path(site_archive.article).split("/")[2]
    missing = call(site_archive, "GET", f"/replay/{stamp}mp_/http://elsewhere.example/logo.png",
                   follow_redirects=False)
    assert missing.status_code == 404 and "location" not in missing.headers
    assert "not archived: http://elsewhere.example/logo.png" in missing.json()["detail"]
    assert call(site_archive, "GET", "/replay/yesterday/http://elsewhere.example/").status_code == 404


# ---------------------------------------------------------------------- forms and CSRF
def test_archive_form_sets_a_strict_csrf_cookie_and_checks_it(site_archive: SiteArchive) -> None:
    async def go() -> None:
        async with asgi_client(config(site_archive)) as client:
            form = await client.get("/archive")
            cookie = form.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
            token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
            assert cookie.startswith(f"archiver_csrf={token};")
            fields = {"urls": "http://10.0.0.1/", "token": TOKEN}
            missing = await client.post("/archive", data=fields)
            assert missing.status_code == 403
            wrong = await client.post("/archive", data={**fields, "csrf": "x" * 43})
            assert wrong.status_code == 403
            cross = await client.post("/archive", data={**fields, "csrf": token},
                                      headers={"Origin": "http://evil.example"})
            assert cross.status_code == 403
            same = await client.post("/archive", data={**fields, "csrf": token},
                                     headers={"Origin": "http://testserver"})
            assert same.status_code == 400 and "10.0.0.1 is not a public address" in same.text
            no_token = await client.post("/archive", data={"urls": "http://10.0.0.1/", "token": "x", "csrf": token})
            assert no_token.status_code == 401
    asyncio.run(go())


def test_ui_pages_forbid_scripts_and_framing(site_archive: SiteArchive) -> None:
    response = call(site_archive, "GET", "/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


# ------------------------------------------------------------------ POST /api/archive
def test_archive_api_needs_a_configured_token(site_archive: SiteArchive) -> None:
    body = {"urls": ["https://news.example/"]}
    disabled = call(site_archive, "POST", "/api/archive", json=body, web=config(site_archive, api_token=None))
    assert disabled.status_code == 503 and "ARCHIVER_API_TOKEN" in disabled.json()["detail"]
    assert call(site_archive, "POST", "/api/archive", json=body).status_code == 401
    wrong = call(site_archive, "POST", "/api/archive", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("url", ["{site}changing", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
                                 "http://[::1]/", "http://localhost/", "http://[::ffff:127.0.0.1]/"])
def test_archive_api_refuses_private_targets(site_archive: SiteArchive, url: str) -> None:
    target = url.format(site=site_archive.site.url)
    before = len(site_archive.site.log())
    response = call(site_archive, "POST", "/api/archive", json={"urls": [target]},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert "is not a public address" in response.json()["detail"]
    assert len(site_archive.site.log()) == before  # nothing was fetched


def test_archive_api_refuses_a_redirect_to_a_private_address(site_archive: SiteArchive) -> None:
    """The redirector is allowed (address:port), the fixture site it points at is not: the hop is refused."""
    target = site_archive.site.url + "changing"
    with SideServer({"/go": (302, {"Location": target}, b"")}) as side:
        web = config(site_archive, allow_private_targets=f"127.0.0.1:{side.port}")
        before = len(site_archive.site.log())
        response = call(site_archive, "POST", "/api/archive", json={"urls": [side.url + "go"]},
                        headers={"Authorization": f"Bearer {TOKEN}"}, web=web)
        assert side.requests == ["/go"]
    assert response.status_code == 400, response.text
    body = response.json()
    assert f"refused {target}: 127.0.0.1 is not a public address" in body["detail"]
    assert len(site_archive.site.log()) == before  # the redirect target was never fetched
    with Archive(site_archive.storage, recover=False) as archive, archive.db.session() as session:
        refused = [c for c in queries.captures_of_url(session, target) if c.error]
    assert refused and refused[-1].error.startswith("BlockedTarget") and refused[-1].warc_file is None


def test_archive_api_archives_when_private_targets_are_allowed(site_archive: SiteArchive) -> None:
    site_archive.site.control(changing=3)
    url = site_archive.site.url + "changing"
    web = config(site_archive, allow_private_targets="true")
    response = call(site_archive, "POST", "/api/archive", json={"urls": [url]},
                    headers={"Authorization": f"Bearer {TOKEN}"}, web=web)
    assert response.status_code == 200, response.text
    [capture] = response.json()["captures"]
    assert capture["status"] == 200 and capture["title"] == "Developing story - Version 3"
    with Archive(site_archive.storage, recover=False) as archive, archive.db.session() as session:
        row = queries.get_capture(session, capture["id"])
        record = archive.read(row)
    assert row.article.title == "Developing story - Version 3"
    assert record.target_uri == url and record.record_type == "response"
    history = call(site_archive, "GET", "/api/history", params={"url": url}).json()["captures"]
    assert history[-1]["capture_id"] == capture["id"] and history[-1]["change"] == "changed"


# -------------------------------------------------------------------- the target policy


