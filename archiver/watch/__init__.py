"""Catching silent edits: revisit fresh articles, record what changed, tell feeds and webhooks.

- :mod:`archiver.watch.policy`: the decaying revisit plan (``ARCHIVER_REVISIT_POLICY``);
- :mod:`archiver.watch.compare`: which fields of two versions differ, ignoring noise;
- :mod:`archiver.watch.record`: the hook that plans revisits and writes change rows;
- :mod:`archiver.watch.pipeline`: that hook as a Scrapy item pipeline (off the reactor thread);
- :mod:`archiver.watch.revisits`: the scheduler's part (due revisits as ``archiver crawl --urls`` runs);
- :mod:`archiver.watch.feed` and :mod:`archiver.watch.webhooks`: Atom feed and webhook outbox.
"""
