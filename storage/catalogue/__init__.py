"""The SQL catalogue: models, database opening and migrations, and the one query module."""

from storage.catalogue.database import Database
from storage.catalogue.models import Article, Capture, CrawlRun, Schedule

__all__ = ["Article", "Capture", "CrawlRun", "Database", "Schedule"]
