"""The catalogue's nearest-capture look-up for replay (``Catalogue.nearest_capture``), on SQLite."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.replay_samples import SITE, day, replay_captures

from storage import Archive, StorageConfig


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory):
    home: Path = tmp_path_factory.mktemp("nearest") / "archive"
    with Archive(StorageConfig.from_env({}, home=home, fsync_interval=0.0)) as archive:
        ids = replay_captures(archive)
        yield archive, ids


def test_the_nearest_capture_in_time_wins_and_the_earlier_on_a_tie(archived) -> None:
    archive, ids = archived
    nearest = archive.catalogue.nearest_capture
    assert nearest(f"{SITE}/logo.png", day(1)).capture.id == ids["logo1"]
    assert nearest(f"{SITE}/logo.png", day(2)).capture.id == ids["logo1"]
    assert nearest(f"{SITE}/logo.png", day(3)).capture.id == ids["logo1"]  # a tie: two days either side
    assert nearest(f"{SITE}/logo.png", day(4)).capture.id == ids["logo5"]
    assert nearest(f"{SITE}/logo.png", day(8)).capture.id == ids["logo9"]
    assert nearest(f"{SITE}/logo.png", day(30)).capture.id == ids["logo9"]  # after the last one
    assert nearest(f"{SITE}/logo.png", day(1, 0)).capture.id == ids["logo1"]  # before the first one


def test_a_capture_within_the_timestamps_second_is_an_exact_match(archived) -> None:
    archive, ids = archived
    assert archive.catalogue.nearest_capture(f"{SITE}/edition", day(2)).capture.id == ids["edition_in"]
    earlier = day(2) - timedelta(seconds=1)
    assert archive.catalogue.nearest_capture(f"{SITE}/edition", earlier).capture.id == ids["edition_before"]


def test_a_revisit_resolves_to_its_originals_payload(archived) -> None:
    archive, ids = archived
    found = archive.catalogue.nearest_capture(f"{SITE}/logo.png", day(5))
    assert found.capture.id == ids["logo5"] and found.capture.record_type == "revisit"
    assert found.payload.id == ids["logo1"] and found.payload.record_type == "response"
    assert archive.read(found.payload).payload == b"logo version 1"
    fresh = archive.catalogue.nearest_capture(f"{SITE}/logo.png", day(9))
    assert fresh.payload.id == fresh.capture.id == ids["logo9"]


def test_a_captured_redirect_is_followed_to_its_targets_nearest_capture(archived) -> None:
    archive, ids = archived
    found = archive.catalogue.nearest_capture(f"{SITE}/old", day(1))
    assert [hop.id for hop in found.redirects] == [ids["old"]]
    assert found.capture.id == ids["logo5"]  # nearest to the hop's own time (day 4), not to day 1
    assert found.payload.id == ids["logo1"]


def test_unresolvable_redirects_end_at_the_hop(archived) -> None:
    archive, ids = archived
    gone = archive.catalogue.nearest_capture(f"{SITE}/gone", day(4))
    assert gone.capture.id == ids["gone"] and gone.capture.is_redirect and gone.redirects == ()
    loop = archive.catalogue.nearest_capture(f"{SITE}/loop-a", day(4))
    assert [hop.id for hop in loop.redirects] == [ids["loop_a"]] and loop.capture.id == ids["loop_b"]
    assert loop.capture.is_redirect


def test_failed_fetches_and_unknown_urls_are_not_found(archived) -> None:
    archive, _ = archived
    assert archive.catalogue.nearest_capture(f"{SITE}/failed", day(4)) is None
    assert archive.catalogue.nearest_capture(f"{SITE}/never.png", day(4)) is None
