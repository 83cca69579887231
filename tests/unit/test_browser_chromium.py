"""The browser lane's Chromium process: found on PATH or by setting, started, stopped with nothing left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.crawler.browser.chromium import BrowserUnavailable, ChromiumProcess, find_chromium

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="no /usr/bin/chromium (apt-get install chromium)")


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _wait_gone(pgid: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := _group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_find_chromium_prefers_the_setting_then_the_environment(tmp_path, monkeypatch):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ARCHIVER_BROWSER_EXECUTABLE", str(fake))
    assert find_chromium() == str(fake)
    assert find_chromium(str(fake)) == str(fake)
    monkeypatch.setenv("ARCHIVER_BROWSER_EXECUTABLE", str(tmp_path / "missing"))
    assert find_chromium() is None
    monkeypatch.delenv("ARCHIVER_BROWSER_EXECUTABLE")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() is None


def test_unavailable_is_one_line_saying_how_to_install():
    error = BrowserUnavailable()
    assert error.exit_code == 2
    assert "\n" not in str(error) and "apt-get install chromium" in str(error)


def test_a_browser_that_exits_at_start_is_unavailable():
    with pytest.raises(BrowserUnavailable, match="exited at start"):
        ChromiumProcess("/bin/false").start()


def test_command_line_caps_memory_and_uses_the_profile(tmp_path):
    command = ChromiumProcess("chromium", memory_mb=512, extra_args=["--lang=en"]).command(tmp_path)
    assert "--headless" in command and "--no-sandbox" in command and "--remote-debugging-port=0" in command
    assert f"--user-data-dir={tmp_path}" in command
    assert "--js-flags=--max-old-space-size=512" in command and "--lang=en" in command


@needs_chromium
def test_start_and_stop_leave_no_process_and_no_profile():
    chromium = ChromiumProcess(CHROMIUM, memory_mb=256)
    endpoint = chromium.start()
    assert endpoint.startswith("http://127.0.0.1:") and int(endpoint.rsplit(":", 1)[1]) > 0
    pid = chromium.pid
    assert pid is not None and chromium.alive()
    profile = chromium._profile
    assert profile is not None and profile.is_dir()
    assert pid in _group_members(pid)
    chromium.stop()
    assert not chromium.alive() and chromium.pid is None
    assert _wait_gone(pid) == []
    assert not profile.exists()


@needs_chromium
def test_context_manager_and_sigkill_of_the_browser():
    with ChromiumProcess(CHROMIUM) as chromium:
        pid = chromium.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while chromium.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not chromium.alive()
    assert _wait_gone(pid) == []


@needs_chromium
def test_chromium_dies_when_its_owner_is_killed():
    owner = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from archiver.crawler.browser.chromium import ChromiumProcess\n"
         f"c = ChromiumProcess({CHROMIUM!r}); c.start(); print(c.pid, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        pid = int(owner.stdout.readline())
        assert pid in _group_members(pid)
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()
    assert _wait_gone(pid) == []


@needs_chromium
def test_the_browser_keeps_its_temporary_files_in_its_profile_and_orphans_are_swept(tmp_path, monkeypatch):
    """Chromium's own temporary directories go with its profile; a profile whose owner died is removed."""
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="cr-", dir="/tmp"))  # short: Chromium's socket path must fit
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    orphan = scratch / "archiver-chromium-999999999-x"  # no such process
    orphan.mkdir()
    mine = scratch / f"archiver-chromium-{os.getpid()}-y"
    mine.mkdir()
    try:
        with ChromiumProcess(CHROMIUM) as chromium:
            chromium.start()
            assert not orphan.exists() and mine.exists()
        assert sorted(p.name for p in scratch.iterdir()) == [mine.name]  # no org.chromium.* left beside it
    finally:
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)
