"""Crawling a site: the Scrapy components and the run logic behind ``archiver crawl``.

- :mod:`archiver.crawler.crawl.options`: the crawl's options, checked, and the settings they map to.
- :mod:`archiver.crawler.crawl.incremental`: skip what was archived recently or in the run being
  resumed; conditional requests for the rest.
- :mod:`archiver.crawler.crawl.budget`: stop cleanly after ``--max-pages`` pages.
- :mod:`archiver.crawler.crawl.report`: the run's counts, persisted as it goes, and progress events.
- :mod:`archiver.crawler.crawl.run`: start (or resume) a recorded crawl run and run it.
"""
