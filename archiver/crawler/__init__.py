"""The Scrapy components: capture middleware, limits and guard, pipelines, crawl logic, the runner
and the extraction pool. Usable in any Scrapy project through settings; they import only
:mod:`archiver.extraction`, :mod:`archiver.core`, :mod:`storage` and :mod:`spiders`.
"""
