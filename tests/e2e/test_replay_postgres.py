"""The nearest-capture look-up of replay on PostgreSQL: nearest in time, revisits and redirects resolved."""

from __future__ import annotations

from pathlib import Path

from support.replay_samples import SITE, day, replay_captures

from storage import Archive, StorageConfig


def test_nearest_capture_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    config = StorageConfig.from_env({"ARCHIVER_DATABASE_URL": postgres_url}, home=tmp_path / "archive",
                                    fsync_interval=0.0)
    with Archive(config) as archive:
        ids = replay_captures(archive)
        nearest = archive.catalogue.nearest_capture
        assert [nearest(f"{SITE}/logo.png", day(n)).capture.id for n in (1, 3, 4, 8)] == \
            [ids["logo1"], ids["logo1"], ids["logo5"], ids["logo9"]]
        revisit = nearest(f"{SITE}/logo.png", day(5))
        assert revisit.payload.id == ids["logo1"]
        moved = nearest(f"{SITE}/old", day(1))
        assert [hop.id for hop in moved.redirects] == [ids["old"]] and moved.capture.id == ids["logo5"]
        assert nearest(f"{SITE}/loop-a", day(4)).capture.is_redirect
        assert nearest(f"{SITE}/failed", day(4)) is None
