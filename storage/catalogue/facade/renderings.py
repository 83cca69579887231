"""The catalogue facade, renderings: the rendered DOM and screenshots of a page capture."""

from __future__ import annotations

from sqlalchemy import select

from storage.catalogue.facade.base import FacadeBase
from storage.catalogue.models import Rendering

__all__ = ["RenderingFacade"]


class RenderingFacade(FacadeBase):
    """Reads of renderings (see :mod:`storage.renderings` for how they are written)."""

    def renderings_of(self, capture_id: int, kind: str | None = None) -> list[Rendering]:
        """The renderings of a page capture (of one ``kind``: ``dom``, ``fullPage``), newest first."""
        query = select(Rendering).where(Rendering.page_capture_id == capture_id)
        if kind is not None:
            query = query.where(Rendering.kind == kind)
        with self._session() as session:
            return list(session.scalars(query.order_by(Rendering.created_at.desc(), Rendering.id.desc())))

    def get_rendering(self, rendering_id: int) -> Rendering | None:
        """The rendering with this id, or None."""
        with self._session() as session:
            return session.get(Rendering, rendering_id)
