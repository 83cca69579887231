"""Scrapy components that keep every HTTP exchange in WARC and catalogue it."""
