"""storage.timefmt: the one ISO 8601 writer (with Z) and reader, byte for byte what each old helper wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage.timefmt import format_iso, parse_iso, parse_iso_or_none
from storage.warc.writer import warc_date

MOMENTS = [
    datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
    datetime(2024, 5, 1, 10, 0, 7, 120, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 5, 1, 12, 30, 5, 5000, tzinfo=timezone(timedelta(hours=2))),
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_written_as_each_old_helper_wrote_it(moment):
    in_utc = moment.astimezone(UTC)
    # the JSON of the CLI (capture_record, runs, schedule), the export records, history and diff
    assert format_iso(in_utc) == in_utc.isoformat().replace("+00:00", "Z")
    assert format_iso(moment) == moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    # the Atom feed of changes, the WACZ datapackage and its pages
    assert format_iso(in_utc, timespec="seconds") == in_utc.isoformat(timespec="seconds").replace("+00:00", "Z")
    assert format_iso(moment, timespec="seconds") == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # WARC-Date
    assert warc_date(moment) == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_none_stays_none_and_naive_is_utc():
    assert format_iso(None) is None
    assert format_iso(datetime(2024, 5, 1, 10, 0)) == "2024-05-01T10:00:00Z"


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
    ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00.000120Z", datetime(2024, 5, 1, 10, 0, 0, 120, tzinfo=UTC)),
])
def test_read_as_aware_utc(text, expected):
    parsed = parse_iso(text)
    assert parsed == expected and parsed.tzinfo is UTC
    assert parse_iso_or_none(text) == expected


@pytest.mark.parametrize("moment", MOMENTS)
def test_round_trip(moment):
    assert parse_iso(format_iso(moment)) == moment
    assert parse_iso(warc_date(moment)) == moment


def test_the_written_offset_can_be_kept():
    assert parse_iso("2023-04-16T23:30:00+03:00", keep_offset=True).utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize("text", ["", "soon", "2024-13-01", "16 April 2023"])
def test_unreadable(text):
    assert parse_iso_or_none(text) is None
    with pytest.raises(ValueError):
        parse_iso(text)
    assert parse_iso_or_none(None) is None
