"""Change detection at capture time: which fields of two versions differ, the decaying revisit
plan, and the item pipeline that records both as each article is catalogued.

- :mod:`archiver.crawler.changes.policy`: the decaying revisit plan (``ARCHIVER_REVISIT_POLICY``);
- :mod:`archiver.crawler.changes.compare`: which fields of two versions differ, ignoring noise;
- :mod:`archiver.crawler.changes.record`: the hook that plans revisits and writes change rows;
- :mod:`archiver.crawler.changes.pipeline`: that hook as a Scrapy item pipeline.
"""
