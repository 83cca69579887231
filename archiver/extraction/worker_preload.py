"""Imported once by the extraction pool's forkserver, so that every worker forked from it starts warm.

Importing :mod:`archiver.extraction` brings in trafilatura, htmldate and lxml; the language
model is loaded lazily on the first detection. Doing both here, in the forkserver
(``WorkerPool(preload=[...])`` in :mod:`archiver.crawler.pipelines`), means they are done once per crawl
and shared copy-on-write, instead of once in every worker and again in every replacement
worker after a timeout.
"""

from archiver.extraction import extract  # noqa: F401 - imported for its side effect: the extractor loaded
from archiver.extraction.language import load_language_model
from archiver.extraction.reading import read_page  # noqa: F401 - what the pipeline calls in each worker

load_language_model()
