"""``archiver history`` and ``archiver diff`` on a page archived three times (changed, unchanged, changed)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.catalogue_samples import CHANGING_URL, add_article, changing_page, config_for, when
from support.cli import HOME_ENV, run_cli
from support.services import BACKENDS, postgres_database

from archiver.core.textdiff import diff_words, sentences
from storage import Archive, StorageConfig

OLD_SENTENCE = "Protesters gathered outside parliament."
NEW_SENTENCE = "Thousands of protesters gathered outside parliament."


@pytest.fixture(scope="module", params=BACKENDS)
def page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[int]]]:
    """A page archived three times, and another page; on SQLite and on PostgreSQL."""
    home = tmp_path_factory.mktemp("history") / "archive"
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            HOME_ENV[home] = {"ARCHIVER_DATABASE_URL": stack.enter_context(postgres_database())}
            stack.callback(HOME_ENV.pop, home, None)
        with Archive(config_for(home)) as archive:
            ids = [capture.id for capture in changing_page(archive)]
            # Another page, so the history of one URL is not simply everything.
            add_article(archive, "https://news.example.org/other", title="Other", text="Nothing to see.",
                        fetched_at=when(7, 13))
        yield home, ids


def history(home: Path, url: str = CHANGING_URL) -> list[dict]:
    code, out, err = run_cli(home, "history", url, "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_history_lists_three_captures_oldest_first_and_marks_changes(page) -> None:
    home, (first, second, third) = page
    entries = history(home)
    assert [e["capture_id"] for e in entries] == [first, second, third]
    assert [e["fetched_at"] for e in entries] == ["2026-11-06T12:00:00Z", "2026-11-07T12:00:00Z",
                                                  "2026-11-08T12:00:00Z"]
    assert [e["change"] for e in entries] == ["first", "unchanged", "changed"]
    assert [e["text_changed"] for e in entries] == [None, False, True]
    assert [e["record_type"] for e in entries] == ["response", "revisit", "response"]
    assert entries[1]["revisit_of"] == first and entries[0]["revisit_of"] is None
    assert entries[0]["payload_digest"] == entries[1]["payload_digest"] != entries[2]["payload_digest"]
    assert all(e["status"] == 200 and e["url"] == CHANGING_URL for e in entries)


def test_history_table_for_people(page) -> None:
    home, (first, second, third) = page
    code, out, _err = run_cli(home, "history", CHANGING_URL)
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("#")}
    assert list(rows) == [f"#{first}", f"#{second}", f"#{third}"]
    assert "first" in rows[f"#{first}"]
    assert f"revisit of #{first}" in rows[f"#{second}"] and "unchanged" in rows[f"#{second}"]
    assert "changed" in rows[f"#{third}"] and "(text)" in rows[f"#{third}"]
    code, _out, err = run_cli(home, "history", "https://news.example.org/never")
    assert code == 1 and "nothing archived" in err


def test_diff_defaults_to_the_last_change_sentence_by_sentence(page) -> None:
    home, (_first, second, third) = page
    code, out, _err = run_cli(home, "diff", CHANGING_URL)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"--- capture #{second} ") and lines[1].startswith(f"+++ capture #{third} ")
    assert f"-{OLD_SENTENCE}" in lines and f"+{NEW_SENTENCE}" in lines
    assert " The minister resigned on Monday." in lines  # context, unchanged
    changed = [line for line in lines[2:] if line[:1] in "-+"]
    assert changed == [f"-{OLD_SENTENCE}", f"+{NEW_SENTENCE}"]  # whole sentences, nothing else


def test_diff_from_to_and_words(page) -> None:
    home, (first, second, third) = page
    code, out, _err = run_cli(home, "diff", CHANGING_URL, "--from", str(first), "--to", str(third), "--words")
    assert code == 0
    assert out.splitlines()[0].startswith(f"--- capture #{first} ")
    assert "~[-Protesters-]{+Thousands of protesters+} gathered outside parliament." in out.splitlines()
    code, out, err = run_cli(home, "diff", CHANGING_URL, "--from", str(first), "--to", str(second))
    assert code == 0 and out == "" and "no change" in err


def test_diff_json_is_data(page) -> None:
    home, (_first, second, third) = page
    code, out, _err = run_cli(home, "diff", CHANGING_URL, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["from"]["capture_id"] == second and data["to"]["capture_id"] == third
    assert data["fields"] == []
    assert data["changes"] == [{
        "op": "replace", "old_index": 1, "new_index": 1, "old": [OLD_SENTENCE], "new": [NEW_SENTENCE],
        "words": [{"old": 0, "new": 0, "segments": [
            {"op": "delete", "text": "Protesters"}, {"op": "insert", "text": "Thousands of protesters"},
            {"op": "equal", "text": " gathered outside parliament."}]}],
    }]
    assert data["sentences"] == {"removed": 1, "added": 1}


def test_diff_of_metadata_and_bad_ids(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    url = "https://news.example.org/retitled"
    with Archive(StorageConfig.from_env({}, home=home, fsync_interval=0.0)) as archive:
        old = add_article(archive, url, title="Old title", text="Same text.", authors=("A",), fetched_at=when(1))
        new = add_article(archive, url, title="New title", text="Same text.", authors=("A", "B"), fetched_at=when(2))
    code, out, _err = run_cli(home, "diff", url, "--json")
    data = json.loads(out)
    assert (data["from"]["capture_id"], data["to"]["capture_id"]) == (old.id, new.id)
    assert data["fields"] == [{"field": "title", "old": "Old title", "new": "New title"},
                              {"field": "authors", "old": ["A"], "new": ["A", "B"]}]
    assert data["changes"] == []
    code, out, _err = run_cli(home, "diff", url)
    assert "@@ title @@" in out and "-Old title" in out and "+New title" in out and "+A; B" in out
    code, _out, err = run_cli(home, "diff", url, "--from", "999")
    assert code == 2 and "capture 999 is not a capture of this page" in err
    code, _out, err = run_cli(home, "diff", url, "--to", str(old.id))
    assert code == 2 and "first version" in err


def test_sentences_and_word_segments() -> None:
    assert sentences("Mr. Smith went to Washington. He met Gen. Jones at 5 p.m. today! Was it \"good\"? Yes.") == [
        "Mr. Smith went to Washington.", "He met Gen. Jones at 5 p.m. today!", 'Was it "good"?', "Yes."]
    segments = diff_words("The vote was close.", "The vote was very close.")
    assert [(s.op, s.text) for s in segments] == [("equal", "The vote was "), ("insert", "very "),
                                                  ("equal", "close.")]
