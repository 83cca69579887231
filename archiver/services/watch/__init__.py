"""Catching silent edits: revisit fresh articles, record what changed, tell feeds and webhooks.

- :mod:`archiver.crawler.changes.policy`: the decaying revisit plan (``ARCHIVER_REVISIT_POLICY``);
- :mod:`archiver.crawler.changes.compare`: which fields of two versions differ, ignoring noise;
- :mod:`archiver.crawler.changes.record`: the hook that plans revisits and writes change rows;
- :mod:`archiver.crawler.changes.pipeline`: that hook as a Scrapy item pipeline (off the reactor thread);
- :mod:`archiver.services.scheduling.revisits`: the scheduler's part (due revisits as ``archiver crawl --urls`` runs);
- :mod:`archiver.services.watch.feed` and :mod:`archiver.services.watch.webhooks`: Atom feed and webhook outbox.
"""
