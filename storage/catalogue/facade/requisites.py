"""The catalogue facade, page requisites: what a page capture needed to render, and where it is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage.catalogue.facade.base import FacadeBase
from storage.catalogue.models import Capture, RequisiteLink

__all__ = ["PageRequisite", "RequisiteFacade"]


@dataclass(frozen=True)
class PageRequisite:
    """One requisite of a page: its URL and kind, the capture holding it (None if never fetched), why it is missing."""

    url: str
    kind: str | None
    capture: Capture | None
    missing: str | None

    @property
    def problem(self) -> str | None:
        """Why the page's copy of this requisite is not whole: not fetched, failed, an error status, truncated."""
        capture = self.capture
        if self.missing:
            return self.missing
        if capture is None:
            return "not archived"
        if capture.error:
            return capture.error
        if capture.status is None or capture.status >= 400:
            return f"HTTP {capture.status}" if capture.status else "no response"
        if capture.truncated:
            return f"truncated ({capture.truncated})"
        return None

    @property
    def bytes(self) -> int:
        """The archived payload's length (0 when there is none)."""
        return (self.capture.payload_length or 0) if self.capture is not None else 0


class RequisiteFacade(FacadeBase):
    """Reads of page requisites (see :mod:`storage.requisites` for how they are written)."""

    def requisites_of(self, capture_id: int) -> list[PageRequisite]:
        """The requisites of a page capture, in the order they were recorded (each with its capture)."""
        with self._session() as session:
            links = session.scalars(select(RequisiteLink).where(RequisiteLink.page_capture_id == capture_id)
                                    .options(selectinload(RequisiteLink.requisite)).order_by(RequisiteLink.id))
            return [PageRequisite(link.url, link.kind, link.requisite, link.missing) for link in links]

    def pages_needing(self, capture_id: int) -> list[int]:
        """Ids of the page captures that list this capture among their requisites."""
        with self._session() as session:
            return list(session.scalars(select(RequisiteLink.page_capture_id)
                                        .where(RequisiteLink.requisite_capture_id == capture_id).distinct()))

