"""Application services: what the commands and the web app do, built on the Scrapy components,
the extractor and :mod:`storage` (reindex, reextract, versions, export, render, watch, scheduling).

Services never import an edge (:mod:`archiver.cli`, :mod:`archiver.web`); see ARCHITECTURE.md.
"""
