#!/usr/bin/env python3
"""Score article extractors on a labelled page set, plain trafilatura and ours side by side.

The data folder has the layout of ``shared/extraction-dev`` (see its ``README.md``):
``ground_truth.jsonl`` with one labelled page per line (``html_file``, ``url``, ``text``,
``title``, ``authors``, ``date``) and the gzipped pages under ``html/``. Each page is run
through

* ``trafilatura``: plain trafilatura, ``bare_extraction(page, url=…, with_metadata=True)``
  with its default options, on the page's bytes;
* ``ours``: :func:`archiver.extraction.extract` on the same bytes;

one after the other, on one CPU core, and compared with the labels:

* body: precision, recall and F1 on 4-token shingles of ``\\w+`` tokens. Per page the
  shingle TP/FP/FN counts are normalised to sum 1 (long pages weigh no more than short
  ones); precision is averaged over the pages with output, recall over the pages with a
  labelled body, F1 is their harmonic mean (the article-extraction-benchmark metric);
* title: exact match after Unicode NFKC, case folding and whitespace squeezing
  (``lenient``: one contains the other, e.g. a kept site-name suffix);
* authors: the set of names is exactly the labelled set (names normalised like titles);
* date: the publication day (first 10 characters) is the labelled day;
* docs/s: pages per second of extraction time (best of ``--rounds`` runs).

Usage::

    python bench/extraction.py [--data DIR] [--rounds N] [--json] [--by language|country]
                               [--show-failures title|authors|date|body] [--only SUBSTRING]

The pages stay in the data folder: nothing of them is copied, and only short diagnostics
(titles, author names, dates) are printed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# The reference is trafilatura itself, called as its users call it; the archiver's own code
# reaches trafilatura only through archiver.extraction.trafilatura_backend.
import trafilatura  # noqa: E402

from archiver.extraction import EXTRACTOR, extract  # noqa: E402
from archiver.extraction.language import detect_language  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "extraction-dev"
SHINGLE = 4
_TOKEN = re.compile(r"\w+")

Prediction = dict[str, Any]  # title, authors, date, text (+ sources for ours)


# --------------------------------------------------------------------------- metrics


def norm(text: str | None) -> str:
    """NFKC, case-folded, whitespace-squeezed comparison form."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def shingles(text: str | None, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The multiset of ``n``-token shingles of ``\\w+`` tokens (one shingle for short texts)."""
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)))


def body_counts(predicted: str | None, gold: str | None) -> tuple[float, float, float]:
    """Shingle ``(TP, FP, FN)`` of one page, normalised to sum 1 (all 0 when both are empty)."""
    pred, ref = shingles(predicted), shingles(gold)
    tp = sum((pred & ref).values())
    fp = sum((pred - ref).values())
    fn = sum((ref - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def body_scores(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    """Precision over pages with output, recall over pages with a labelled body, and F1."""
    precisions = [tp / (tp + fp) for tp, fp, _ in counts if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in counts if tp + fn > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"body_precision": precision, "body_recall": recall, "body_f1": f1}


def page_scores(prediction: Prediction, gold: dict[str, Any]) -> dict[str, Any]:
    """Per-page results: title/authors/date matches and the body's shingle counts."""
    title, gold_title = norm(prediction["title"]), norm(gold["title"])
    authors = {norm(a) for a in prediction["authors"] if a and a.strip()}
    gold_authors = {norm(a) for a in gold["authors"] if a and a.strip()}
    date = prediction["date"] or ""
    return {
        "title": float(title == gold_title),
        "title_lenient": float(bool(title) and (title in gold_title or gold_title in title)),
        "authors": float(authors == gold_authors),
        "date": float(bool(date) and date[:10] == gold["date"][:10]),
        "body": body_counts(prediction["text"], gold["text"]),
    }


# --------------------------------------------------------------------------- systems


def run_trafilatura(page: bytes, url: str) -> Prediction:
    """Plain trafilatura with metadata, default options."""
    doc = trafilatura.bare_extraction(page, url=url, with_metadata=True)
    if doc is None:
        return {"title": None, "authors": [], "date": None, "text": None}
    author = doc.author or ""
    return {"title": doc.title, "authors": [a.strip() for a in author.split(";") if a.strip()],
            "date": doc.date, "text": doc.text}


def run_ours(page: bytes, url: str) -> Prediction:
    """The archiver's extractor."""
    result = extract(page, url)
    return {"title": result.title, "authors": list(result.authors), "date": result.published,
            "text": result.text, "sources": dict(result.sources)}


SYSTEMS: dict[str, Callable[[bytes, str], Prediction]] = {"trafilatura": run_trafilatura, "ours": run_ours}


# --------------------------------------------------------------------------- driver


def pin_to_one_core() -> int | None:
    """Run on one CPU core (the first allowed one); return it, or None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def load_pages(data_dir: Path, only: str | None) -> list[dict[str, Any]]:
    """The labelled pages (``only``: ids containing that substring), each with its bytes."""
    with open(data_dir / "ground_truth.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    rows = [row for row in rows if not only or only in row["id"]]
    for row in rows:
        with gzip.open(data_dir / row["html_file"]) as page:
            row["page"] = page.read()
    return rows


def page_language(row: dict[str, Any]) -> str:
    """Language of the labelled body (detected), or the country folder."""
    code, _ = detect_language(row["text"])
    return {"nb": "no", "nn": "no", "da": "no"}.get(code or "", code or row["group"])


def evaluate(rows: list[dict[str, Any]], rounds: int) -> list[dict[str, Any]]:
    """Run every system on every page (``rounds`` times, keeping the fastest) and score it."""
    for system in SYSTEMS.values():  # imports, models and caches load before timing
        system(b"<html><body><article><p>warm up</p></article></body></html>", "https://example.org/")
    records = [{"id": row["id"], "country": row["group"], "language": page_language(row)} for row in rows]
    for _ in range(rounds):
        for row, record in zip(rows, records, strict=True):
            for name, system in SYSTEMS.items():  # interleaved: both see the same machine state
                start = time.perf_counter()
                prediction = system(row["page"], row["url"])
                elapsed = time.perf_counter() - start
                previous = record.get(name)
                if previous is None:
                    kept = {k: v for k, v in prediction.items() if k != "text"}  # no page text in the output
                    record[name] = {**kept, "scores": page_scores(prediction, row), "seconds": elapsed}
                else:
                    previous["seconds"] = min(previous["seconds"], elapsed)
        for row, record in zip(rows, records, strict=True):
            record["gold"] = {"title": row["title"], "authors": row["authors"], "date": row["date"]}
    return records


def summarise(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Aggregate figures per system."""
    summary = {}
    for name in SYSTEMS:
        scores = [r[name]["scores"] for r in records]
        row = body_scores([s["body"] for s in scores])
        for field in ("title", "title_lenient", "authors", "date"):
            row[field] = statistics.fmean(s[field] for s in scores)
        row["docs_per_s"] = len(records) / sum(r[name]["seconds"] for r in records)
        summary[name] = row
    return summary


ROWS = [("body_precision", "body precision"), ("body_recall", "body recall"), ("body_f1", "body F1"),
        ("title", "title exact"), ("title_lenient", "title lenient"), ("authors", "authors exact"),
        ("date", "date (day)"), ("docs_per_s", "docs/s (1 core)")]


def print_table(summary: dict[str, dict[str, float]], pages: int, core: int | None) -> None:
    """The side-by-side table."""
    where = f"CPU core {core}" if core is not None else "one process"
    print(f"{pages} pages; trafilatura {trafilatura.__version__} vs ours ({EXTRACTOR}); {where}")
    print(f"{'':<18}{'trafilatura':>12}{'ours':>10}{'ours - traf':>13}")
    for key, label in ROWS:
        base, ours = summary["trafilatura"][key], summary["ours"][key]
        if key == "docs_per_s":
            print(f"{label:<18}{base:>12.1f}{ours:>10.1f}{ours / base:>12.0%} of traf")
        else:
            print(f"{label:<18}{base:>12.3f}{ours:>10.3f}{ours - base:>+13.3f}")


def print_groups(records: list[dict[str, Any]], by: str) -> None:
    """Body F1, title, authors and date per group (language or country), trafilatura -> ours."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[record[by]].append(record)
    print(f"\n{by:<10}{'n':>4}  {'body F1':>13}  {'title':>13}  {'authors':>13}  {'date':>13}")
    for group, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        part = summarise(members)
        cells = [f"{part['trafilatura'][k]:5.3f}->{part['ours'][k]:5.3f}"
                 for k in ("body_f1", "title", "authors", "date")]
        print(f"{group:<10}{len(members):>4}  " + "  ".join(f"{c:>13}" for c in cells))


def print_failures(records: list[dict[str, Any]], field: str) -> None:
    """The pages where ours misses ``field``, with both systems' values (short diagnostics only)."""
    print(f"\npages where ours misses {field}:")
    for record in records:
        ours, base = record["ours"], record["trafilatura"]
        if field == "body":
            f1 = body_scores([ours["scores"]["body"]])["body_f1"]
            base_f1 = body_scores([base["scores"]["body"]])["body_f1"]
            if f1 < 0.8:
                print(f"- {record['id']}  F1 ours={f1:.2f} traf={base_f1:.2f} src={ours['sources'].get('text')}")
            continue
        if ours["scores"][field] >= 1.0:
            continue
        key = "date" if field == "date" else field
        print(f"- {record['id']}  src={ours['sources'].get({'date': 'published'}.get(key, key))}")
        print(f"    gold: {record['gold'][key]!r}\n    ours: {ours[key]!r}\n    traf: {base[key]!r}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data folder (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=1, help="timing runs; the fastest counts (default 1)")
    parser.add_argument("--by", choices=("language", "country"), help="also print figures per group")
    parser.add_argument("--show-failures", choices=("title", "authors", "date", "body"), action="append",
                        default=[], help="list the pages where ours misses this field")
    parser.add_argument("--only", help="score only the page ids containing this string")
    parser.add_argument("--json", action="store_true", help="print the figures and per-page results as JSON")
    args = parser.parse_args(argv)

    data_dir = args.data.resolve()
    if not (data_dir / "ground_truth.jsonl").is_file():
        parser.error(f"no ground_truth.jsonl in {data_dir}")
    core = pin_to_one_core()
    rows = load_pages(data_dir, args.only)
    if not rows:
        parser.error("no page matches")
    records = evaluate(rows, max(1, args.rounds))
    summary = summarise(records)
    if args.json:
        json.dump({"trafilatura": trafilatura.__version__, "ours": EXTRACTOR, "summary": summary,
                   "pages": records}, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print_table(summary, len(records), core)
    if args.by:
        print_groups(records, args.by)
    for field in args.show_failures:
        print_failures(records, field)
    return 0


if __name__ == "__main__":
    sys.exit(main())
