"""Crawling a site: the Scrapy components and the run logic behind ``archiver crawl``.

- :mod:`archiver.crawl.options`: the crawl's options, checked, and the settings they map to.
- :mod:`archiver.crawl.incremental`: skip what was archived recently or in the run being
  resumed; conditional requests for the rest.
- :mod:`archiver.crawl.budget`: stop cleanly after ``--max-pages`` pages.
- :mod:`archiver.crawl.report`: the run's counts, persisted as it goes, and progress events.
- :mod:`archiver.crawl.run`: start (or resume) a recorded crawl run and run it.
"""
