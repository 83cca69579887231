"""A writer killed with SIGKILL mid-write never leaves a closed file with a broken record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from storage import CorruptRecord
from storage.warc import iter_records, read_record, resolve_warc_path

WRITER_SCRIPT = textwrap.dedent(
    """
    import json, random, sys
    from storage.warc import HttpRequest, HttpResponse, WarcWriter
    rng = random.Random(1)
    writer = WarcWriter(sys.argv[1], max_size=200_000, fsync_interval=0)
    i = 0
    while True:
        body = rng.randbytes(rng.randint(1_000, 60_000))
        loc = writer.write_exchange(
            f"http://news.example/{i}", HttpRequest("GET", f"/{i}", [("Host", "news.example")]),
            HttpResponse(200, [("Content-Type", "application/octet-stream")], body),
        )
        print(json.dumps([loc.response.filename, loc.response.offset, loc.response.length]), flush=True)
        i += 1
    """
)


def test_sigkill_mid_write_leaves_only_whole_records(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )
    reported = []
    assert proc.stdout is not None
    for line in proc.stdout:
        reported.append(json.loads(line))
        if len(reported) == 40:
            break
    proc.send_signal(signal.SIGKILL)  # while it is still writing further records
    proc.wait()
    proc.stdout.close()

    closed = sorted(tmp_path.glob("*.warc.gz"))
    open_files = list(tmp_path.glob("*.warc.gz.open"))
    assert closed, "the size limit should have rotated at least one file"
    assert len(open_files) == 1
    for path in closed:  # every record of a closed file is whole
        records = list(iter_records(path))
        assert records[0].record_type == "warcinfo"
        assert records[-1].offset + records[-1].length == path.stat().st_size

    # Every location reported before the kill reads back, whether its file was closed or not.
    for filename, offset, length in reported:
        record = read_record(resolve_warc_path(tmp_path, filename), offset, expected_length=length)
        assert record.record_type == "response"

    # The .open file: complete records read back; at most a tail is incomplete.
    good = []
    try:
        good.extend(iter_records(open_files[0]))
    except CorruptRecord as exc:
        assert exc.offset is not None and exc.offset >= (good[-1].offset + good[-1].length if good else 0)
    assert good and good[0].record_type == "warcinfo"
