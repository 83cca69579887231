"""Scrapy spiders, one per way of finding URLs. They yield requests and items, never touch storage."""
