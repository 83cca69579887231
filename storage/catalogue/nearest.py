"""Which capture replays a URL at a given time: the nearest in time, revisits and redirects resolved.

A replayed page asks this for itself and for every image, stylesheet and font it references,
so each lookup is two indexed queries (``ix_captures_url``): the latest capture of the URL at
or before the time (to the end of its second: archive timestamps have no fractions) and the
earliest after it, each ``LIMIT 1``; the nearer one wins (the earlier on a tie). Only captures
with a WARC record count (failed fetches have none).

- A revisit's payload is its original's (``revisit_of``).
- A 3xx capture is followed to the capture of its ``Location`` nearest to the hop's own time,
  at most :data:`MAX_REDIRECTS` hops and never in a loop; when the target was not archived the
  chain ends at the 3xx hop, which the caller shows as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from storage.catalogue.models import Capture

__all__ = ["MAX_REDIRECTS", "ReplayCapture", "nearest_capture", "resolve_for_replay"]

#: Redirect hops followed before giving up (browsers stop at 20; archived chains are short).
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class ReplayCapture:
    """What replays a URL at a time.

    ``capture`` ends the chain: the response served (a 3xx only when its target was not
    archived); ``payload`` holds its bytes (the original of a revisit; None when that original is
    gone); ``redirects`` are the 3xx hops followed to get there, in order.
    """

    capture: Capture
    payload: Capture | None
    redirects: tuple[Capture, ...] = ()


def nearest_capture(session: Session, url: str, when: datetime) -> Capture | None:
    """The archived capture of exactly ``url`` nearest in time to ``when`` (the earlier on a tie), or None.

    ``when`` is an archive timestamp, precise to the second: a capture made within that second
    is an exact match (the latest of them, if several), never beaten by one a moment earlier.
    """
    archived = and_(Capture.url == url, Capture.warc_file.is_not(None))
    second_ends = when + timedelta(seconds=1)
    before = session.scalars(select(Capture).where(archived, Capture.fetched_at < second_ends)
                             .order_by(Capture.fetched_at.desc(), Capture.id.desc()).limit(1)).first()
    if before is not None and before.fetched_at >= when:  # within the second asked for: nothing later is nearer
        return before
    after = session.scalars(select(Capture).where(archived, Capture.fetched_at >= second_ends)
                            .order_by(Capture.fetched_at, Capture.id).limit(1)).first()
    if before is None or after is None:
        return before or after
    return before if max(when - before.fetched_at, timedelta(0)) <= after.fetched_at - when else after


def resolve_for_replay(session: Session, url: str, when: datetime) -> ReplayCapture | None:
    """What replays ``url`` at ``when``, redirects followed and revisits resolved; None if never archived."""
    found = nearest_capture(session, url, when)
    if found is None:
        return None
    hops: list[Capture] = []
    seen = {found.url}
    while found.is_redirect and len(hops) < MAX_REDIRECTS:
        target_url = urljoin(found.url, found.redirect_location or "").split("#", 1)[0]
        if target_url in seen:
            break
        target = nearest_capture(session, target_url, found.fetched_at)
        if target is None:
            break
        hops.append(found)
        seen.add(target_url)
        found = target
    payload: Capture | None = found
    if found.record_type == "revisit":
        payload = session.get(Capture, found.revisit_of_id) if found.revisit_of_id is not None else None
    return ReplayCapture(capture=found, payload=payload, redirects=tuple(hops))
