"""The SQL catalogue: models, database opening and migrations, and the facade the application calls.

The application talks to :class:`Catalogue` (``archive.catalogue``) and uses the names below
for annotations; it does not import :mod:`storage.catalogue.models` or the query modules.
"""

from storage.catalogue.catalogue import Catalogue
from storage.catalogue.database import Database
from storage.catalogue.extraction import SiteHealth
from storage.catalogue.facade.reports import Verification
from storage.catalogue.facade.requisites import PageRequisite
from storage.catalogue.facade.watch import DetectedChange
from storage.catalogue.models import (
    Article,
    Capture,
    ChangeRecord,
    CrawlRun,
    Rendering,
    Revisit,
    Schedule,
    WebhookDelivery,
    utcnow,
)
from storage.catalogue.nearest import ReplayCapture
from storage.catalogue.schedules import DuplicateSchedule, RunSummary
from storage.catalogue.search_model import SearchFilters, SearchHit, Sort, split_marks

__all__ = [
    "Article",
    "Capture",
    "Catalogue",
    "ChangeRecord",
    "CrawlRun",
    "Database",
    "DetectedChange",
    "DuplicateSchedule",
    "ReplayCapture",
    "PageRequisite",
    "Rendering",
    "Revisit",
    "RunSummary",
    "Schedule",
    "SearchFilters",
    "SearchHit",
    "SiteHealth",
    "Sort",
    "Verification",
    "WebhookDelivery",
    "split_marks",
    "utcnow",
]
