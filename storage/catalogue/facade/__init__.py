"""The pieces of :class:`storage.catalogue.Catalogue`, one concern per module.

Each is a mixin over :class:`~storage.catalogue.facade.base.FacadeBase`: captures and search,
crawl runs, schedules, the watch (revisits, changes, webhooks), and whole-catalogue reports
(statistics, verification, export).
"""
