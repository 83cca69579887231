#!/usr/bin/env python3
"""Benchmark article extraction against the labelled development set.

For every page of the set (see ``README.md`` in the data folder) this runs

* ``baseline``: trafilatura alone (``bare_extraction`` with metadata, through
  :mod:`archiver.extraction.trafilatura_backend`), and
* ``ours``: :func:`archiver.extraction.extract`,

and compares each with the labels:

* title: exact match after Unicode NFKC, case folding and whitespace collapsing;
* authors: F1 of the sets of names (NFKC, case-folded); 1.0 when both are empty;
* date: the day (first 10 characters) is right;
* body: bag-of-words token F1 (punctuation dropped, CJK characters as tokens);
* time: wall-clock extraction time per page.

Usage::

    python bench/extraction_eval.py [--data DIR] [--json] [--group-by language|country]
                                    [--show-failures FIELD] [--only SUBSTRING]

The data folder defaults to ``../shared/extraction-dev`` next to the repository root.
The pages stay there: nothing of them is copied or printed beyond short diagnostics.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from archiver.extraction import extract  # noqa: E402
from archiver.extraction.merge import detect_language  # noqa: E402
from archiver.extraction.trafilatura_backend import (  # noqa: E402
    TRAFILATURA_VERSION,
    run_trafilatura,
)

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "extraction-dev"
FIELDS = ("title", "authors", "date", "body")
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
               (0xAC00, 0xD7AF))


# --------------------------------------------------------------------------- metrics


def _norm(text: str | None) -> str:
    """NFKC, case-folded, whitespace-collapsed comparison form."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def _is_cjk(ch: str) -> bool:
    """Whether ``ch`` belongs to a script written without spaces between words."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def tokens(text: str | None) -> list[str]:
    """Word tokens: punctuation and symbols dropped, each CJK character one token."""
    chars = []
    for ch in _norm(text):
        category = unicodedata.category(ch)
        if category[0] in "PSZC":
            chars.append(" ")
        elif _is_cjk(ch):
            chars.append(f" {ch} ")
        else:
            chars.append(ch)
    return "".join(chars).split()


def body_f1(predicted: str | None, gold: str) -> float:
    """Bag-of-words F1 between two texts."""
    pred, ref = Counter(tokens(predicted)), Counter(tokens(gold))
    if not pred or not ref:
        return float(not pred and not ref)
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def authors_f1(predicted: Iterable[str], gold: Iterable[str]) -> float:
    """F1 of two sets of author names; 1.0 when both are empty."""
    pred, ref = {_norm(a) for a in predicted if a}, {_norm(a) for a in gold if a}
    if not pred and not ref:
        return 1.0
    overlap = len(pred & ref)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def score(prediction: dict[str, Any], gold: dict[str, Any]) -> dict[str, float]:
    """Per-field scores of one prediction."""
    return {
        "title": float(_norm(prediction["title"]) == _norm(gold["title"])),
        "authors": authors_f1(prediction["authors"], gold["authors"]),
        "date": float(bool(prediction["date"]) and prediction["date"][:10] == gold["date"][:10]),
        "body": body_f1(prediction["text"], gold["text"]),
    }


# --------------------------------------------------------------------------- systems


def run_baseline(body: bytes, url: str) -> dict[str, Any]:
    """trafilatura alone, metadata as it returns it."""
    out = run_trafilatura(body.decode("utf-8"), url)
    author = out.get("author") or ""
    return {
        "title": out.get("title"),
        "authors": [a.strip() for a in author.split(";") if a.strip()],
        "date": out.get("date"),
        "text": out.get("text"),
    }


def run_ours(body: bytes, url: str) -> dict[str, Any]:
    """The archiver's extractor on the raw bytes."""
    result = extract(body, url)
    return {
        "title": result.title,
        "authors": list(result.authors),
        "date": result.published,
        "text": result.text,
        "language": result.language,
        "sources": result.sources,
    }


SYSTEMS: dict[str, Callable[[bytes, str], dict[str, Any]]] = {
    "baseline": run_baseline,
    "ours": run_ours,
}


# --------------------------------------------------------------------------- driver


def load_pages(data_dir: Path, only: str | None) -> list[dict[str, Any]]:
    """Read ``ground_truth.jsonl``; ``only`` keeps the ids containing that substring."""
    with open(data_dir / "ground_truth.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row for row in rows if not only or only in row["id"]]


def page_language(row: dict[str, Any]) -> str:
    """Language of the labelled body (detected), falling back to the country folder."""
    code, _ = detect_language(row["text"])
    if code in {"nb", "nn", "da"}:
        code = "no"
    return code or row["group"]


def evaluate(rows: list[dict[str, Any]], data_dir: Path) -> list[dict[str, Any]]:
    """Run every system on every page and score it."""
    records = []
    for system in SYSTEMS.values():  # warm-up: imports, models and caches load once
        system(b"<html><body><p>warm up</p></body></html>", "https://example.org/")
    for row in rows:
        with gzip.open(data_dir / row["html_file"]) as handle:
            body = handle.read()
        record: dict[str, Any] = {
            "id": row["id"],
            "country": row["group"],
            "language": page_language(row),
        }
        for name, system in SYSTEMS.items():
            start = time.perf_counter()
            prediction = system(body, row["url"])
            elapsed = time.perf_counter() - start
            record[name] = {
                "scores": score(prediction, row),
                "seconds": elapsed,
                "title": prediction["title"],
                "authors": prediction["authors"],
                "date": prediction["date"],
            }
            if "sources" in prediction:
                record[name]["sources"] = prediction["sources"]
                record[name]["language"] = prediction.get("language")
        record["gold"] = {"title": row["title"], "authors": row["authors"], "date": row["date"]}
        records.append(record)
    return records


def aggregate(records: list[dict[str, Any]], group_by: str) -> dict[str, dict[str, Any]]:
    """Average scores and time per system, overall and per group."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups["ALL"].append(record)
        groups[record[group_by]].append(record)
    table: dict[str, dict[str, Any]] = {}
    order = ["ALL"] + sorted((g for g in groups if g != "ALL"), key=lambda g: -len(groups[g]))
    for group in order:
        members = groups[group]
        row: dict[str, Any] = {"pages": len(members)}
        for system in SYSTEMS:
            row[system] = {
                field: statistics.fmean(r[system]["scores"][field] for r in members)
                for field in FIELDS
            }
            row[system]["ms_per_page"] = 1000 * statistics.fmean(
                r[system]["seconds"] for r in members
            )
        table[group] = row
    return table


def print_table(table: dict[str, dict[str, Any]], group_by: str) -> None:
    """Print the aggregate table, baseline / ours side by side."""
    print(f"trafilatura {TRAFILATURA_VERSION}; each cell: baseline -> ours")
    header = f"{group_by:<10} {'n':>3}  " + "  ".join(
        f"{name:>13}" for name in ("title", "authors F1", "date", "body F1", "ms/page")
    )
    print(header)
    print("-" * len(header))
    for group, row in table.items():
        cells = []
        for field in FIELDS:
            base, ours = row["baseline"][field], row["ours"][field]
            cells.append(f"{base:5.3f}->{ours:5.3f}")
        base_ms, ours_ms = row["baseline"]["ms_per_page"], row["ours"]["ms_per_page"]
        cells.append(f"{base_ms:5.0f}->{ours_ms:5.0f}")
        print(f"{group:<10} {row['pages']:>3}  " + "  ".join(f"{c:>13}" for c in cells))


def print_failures(records: list[dict[str, Any]], field: str) -> None:
    """List the pages where our extractor misses ``field`` (short diagnostics only)."""
    key = {"body": "title"}.get(field, field)
    print(f"\npages where ours misses {field}:")
    for record in records:
        ours = record["ours"]
        if ours["scores"][field] >= 1.0 if field != "body" else ours["scores"][field] >= 0.8:
            continue
        base = record["baseline"]
        print(f"- {record['id']}  ({field} ours={ours['scores'][field]:.2f} "
              f"base={base['scores'][field]:.2f}, src={ours['sources'].get(key)})")
        if field == "body":
            continue
        print(f"    gold: {record['gold'][key]!r}")
        print(f"    ours: {ours[key]!r}")
        print(f"    base: {base[key]!r}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data folder")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--group-by", choices=("language", "country"), default="language")
    parser.add_argument("--show-failures", choices=FIELDS, action="append", default=[])
    parser.add_argument("--only", help="evaluate only page ids containing this string")
    args = parser.parse_args(argv)

    data_dir = args.data.resolve()
    if not (data_dir / "ground_truth.jsonl").is_file():
        parser.error(f"no ground_truth.jsonl in {data_dir}")
    rows = load_pages(data_dir, args.only)
    records = evaluate(rows, data_dir)
    table = aggregate(records, args.group_by)
    if args.json:
        json.dump({"extractor": f"trafilatura {TRAFILATURA_VERSION}", "summary": table,
                   "pages": records}, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print_table(table, args.group_by)
        for field in args.show_failures:
            print_failures(records, field)
    return 0


if __name__ == "__main__":
    sys.exit(main())
