"""The catalogue facade: every question the application asks of the catalogue, as a method.

The application reaches it as ``archive.catalogue`` (or ``Catalogue(database)`` where it holds
only a :class:`~storage.catalogue.database.Database`) and never opens a session or builds a
query. Each method runs in one short transaction; where a caller needs several statements to
agree (a schedule lease, the watch's comparison, a streamed export) one method does the whole
unit of work inside storage.

The methods are grouped by concern, one module each under :mod:`storage.catalogue.facade`:

- captures and search (:class:`~storage.catalogue.facade.captures.CaptureFacade`);
- crawl runs (:class:`~storage.catalogue.facade.runs.RunFacade`);
- schedules and their leases (:class:`~storage.catalogue.facade.schedules.ScheduleFacade`);
- the watch: revisits, changes, webhooks (:class:`~storage.catalogue.facade.watch.WatchFacade`);
- page requisites (:class:`~storage.catalogue.facade.requisites.RequisiteFacade`);
- renderings: rendered DOM, screenshots (:class:`~storage.catalogue.facade.renderings.RenderingFacade`);
- statistics, verification, export (:class:`~storage.catalogue.facade.reports.ReportFacade`).

Results are ORM objects detached from their session (their columns readable, and the
relationships each method names as loaded, such as ``capture.article``) or plain dataclasses.

The crawl's hot path (capture rows, articles, dedup look-ups) stays in :class:`storage.Archive`,
with Core inserts and prebuilt statements; the methods it calls here per page
(:meth:`~CaptureFacade.get_capture`, :meth:`~CaptureFacade.latest_capture`,
:meth:`~WatchFacade.note_capture`) run the same statements, in one transaction each, as
before.
"""

from __future__ import annotations

from storage.catalogue.facade.captures import CaptureFacade
from storage.catalogue.facade.renderings import RenderingFacade
from storage.catalogue.facade.reports import ReportFacade
from storage.catalogue.facade.requisites import RequisiteFacade
from storage.catalogue.facade.runs import RunFacade
from storage.catalogue.facade.schedules import ScheduleFacade
from storage.catalogue.facade.watch import WatchFacade

__all__ = ["Catalogue"]


class Catalogue(CaptureFacade, RunFacade, ScheduleFacade, WatchFacade, RequisiteFacade, RenderingFacade,
                ReportFacade):
    """The catalogue as the application sees it, built on an opened :class:`Database`."""
