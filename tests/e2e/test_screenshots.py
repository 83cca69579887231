"""``archiver archive`` with screenshots on: a full-page PNG of each page as replayed from the archive alone.

The fixture page (:mod:`support.screenshot_site`) has a stylesheet that paints it and an image;
the picture must show both (so both came from the archive) and be the page's size, and the site
must see no request while the screenshot is taken (each path is fetched once, by the crawl).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from support.cli import run_archiver
from support.screenshot_site import BACKGROUND, PAGE_HEIGHT, PHOTO, hits, running_screenshot_site

from archiver.services.screenshots import VIEWPORT

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                "(bash .ci/services installs it)")
ON = {"ARCHIVER_SCREENSHOT": "true", "ARCHIVER_BROWSER_EXECUTABLE": str(CHROMIUM)}


@pytest.fixture
def site() -> Iterator[str]:
    with running_screenshot_site() as url:
        yield url


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A short TMPDIR for the archiver: Chromium's profile goes there. Short, as Chromium aborts at start
    when the path of its singleton socket gets too long for a Unix socket (pytest's tmp_path does)."""
    made = Path(tempfile.mkdtemp(prefix="shots-", dir="/tmp"))
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def _chromium_processes(under: Path) -> int:
    """Chromium processes whose profile lies under ``under`` (the archiver's TMPDIR in these tests)."""
    listed = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in listed.splitlines() if f"--user-data-dir={under}" in line)


def test_archive_keeps_a_screenshot_of_the_page_replayed_from_the_archive(site: str, tmp_path: Path,
                                                                        scratch: Path) -> None:
    home = tmp_path / "archive"
    page = site + "article"
    done = run_archiver(home, "archive", "--json", page, env={**ON, "TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr
    (result,) = map(json.loads, done.stdout.splitlines())
    assert result["screenshot"] is not None and result["screenshot"]["source"] == "replay", done.stderr
    # The crawl fetched each path once; the screenshot fetched nothing: everything came from the archive.
    assert hits(site) == {"/article": 1, "/static/page.css": 1, "/img/photo.png": 1}
    assert _chromium_processes(scratch) == 0  # stopped
    assert not list(scratch.glob("archiver-chromium-*"))  # and its profile removed

    shot = tmp_path / "shot.png"
    got = run_archiver(home, "get", str(result["id"]), "--screenshot", "-o", str(shot))
    assert got.returncode == 0, got.stderr
    image = Image.open(io.BytesIO(shot.read_bytes()))
    assert image.format == "PNG" and image.size == (VIEWPORT["width"], PAGE_HEIGHT)
    rgb = image.convert("RGB")
    assert rgb.getpixel((150, 100)) == PHOTO  # the archived image, where the archived stylesheet put it
    assert rgb.getpixel((VIEWPORT["width"] - 10, PAGE_HEIGHT - 10)) == BACKGROUND  # the archived CSS, to the end

    shown = json.loads(run_archiver(home, "show", str(result["id"]), "--json").stdout)
    (rendering,) = shown["renderings"]
    assert (rendering["kind"], rendering["source"]) == ("fullPage", "replay")
    assert rendering["bytes"] == len(shot.read_bytes())
    assert run_archiver(home, "verify").returncode == 0
    again = run_archiver(home, "archive", page, env={**ON, "TMPDIR": str(scratch)})
    assert "  + screenshot" in again.stdout, again.stderr  # the text result line says so


def test_no_screenshot_option_and_missing_chromium(site: str, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    off = run_archiver(home, "archive", "--json", "--no-screenshot", site + "article", env=ON)
    assert off.returncode == 0 and json.loads(off.stdout)["screenshot"] is None, off.stderr
    missing = run_archiver(home, "archive", "--json", site + "article",
                           env={**ON, "ARCHIVER_BROWSER_EXECUTABLE": str(tmp_path / "no-chromium")})
    assert missing.returncode == 0, missing.stderr
    assert json.loads(missing.stdout)["screenshot"] is None
    warnings = [line for line in missing.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "no screenshot" in warnings[0], warnings  # one line for the lane and the shot
    assert "chromium" in warnings[0].lower()
    shown = json.loads(run_archiver(home, "show", site + "article", "--json").stdout)
    assert shown["renderings"] == []
