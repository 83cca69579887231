"""What the browser lane does on a page before keeping it, bounded in time.

:func:`run_behaviour`, within the seconds it is given:

1. waits for the network to go quiet (no request for half a second);
2. closes a cookie-consent dialog of a common consent-management platform, preferring "reject
   all": first the platforms' own reject buttons (:data:`REJECT_SELECTORS`), then a button whose
   whole text is "reject all" in one of several languages (:data:`REJECT_TEXTS`), and only where no
   refusal is offered the platform's accept button or an "accept all" inside a consent container.
   It looks in every frame (some platforms show their dialog in an iframe) and in open shadow roots;
3. scrolls to the end of the page step by step, so ``loading=lazy`` images and
   IntersectionObserver loaders fetch what they hold back, then back to the top;
4. waits for the network to go quiet again.

Only consent dialogs are clicked, by the platforms' generic markup and texts, never a site's own
selectors; nothing is removed from the page, and no paywall or login is bypassed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ACCEPT_SELECTORS", "ACCEPT_TEXTS", "REJECT_SELECTORS", "REJECT_TEXTS", "BehaviourReport",
           "dismiss_consent", "run_behaviour", "scroll_to_end", "wait_for_quiet"]

log = logging.getLogger(__name__)

#: The reject buttons of common consent-management platforms (their generic ids and classes).
REJECT_SELECTORS = (
    "#onetrust-reject-all-handler",                       # OneTrust
    "#CybotCookiebotDialogBodyButtonDecline",             # Cookiebot
    "#didomi-notice-disagree-button",                     # Didomi
    "[data-testid='uc-deny-all-button']",                 # Usercentrics
    ".qc-cmp2-summary-buttons button[mode='secondary']",  # InMobi (Quantcast) Choice
    ".cmpboxbtnno",                                       # consentmanager.net
    ".cky-btn-reject",                                    # CookieYes
    ".cmplz-deny",                                        # Complianz
    ".osano-cm-denyAll",                                  # Osano
    ".iubenda-cs-reject-btn",                             # iubenda
    ".cm-btn-decline",                                    # Klaro
    "#truste-consent-required",                           # TrustArc
    ".sp_choice_type_13",                                 # Sourcepoint (reject all, in its iframe)
)
#: Their accept buttons, used only when no refusal is offered.
ACCEPT_SELECTORS = (
    "#onetrust-accept-btn-handler",
    "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll",
    "#didomi-notice-agree-button",
    "[data-testid='uc-accept-all-button']",
    ".qc-cmp2-summary-buttons button[mode='primary']",
    ".cmpboxbtnyes",
    ".cky-btn-accept",
    ".cmplz-accept",
    ".osano-cm-acceptAll",
    ".iubenda-cs-accept-btn",
    "#truste-consent-button",
    ".sp_choice_type_11",
)
#: Whole button texts (lower case, spaces folded) that refuse every purpose.
REJECT_TEXTS = (
    "reject all", "reject all cookies", "decline all", "refuse all", "deny all", "reject", "decline",
    "reject optional cookies", "only necessary", "only necessary cookies", "necessary cookies only",
    "use necessary cookies only", "alle ablehnen", "ablehnen", "nur notwendige", "nur notwendige cookies",
    "tout refuser", "refuser", "continuer sans accepter", "rechazar todo", "rechazar todas", "rechazar",
    "rifiuta tutto", "rifiuta", "alles weigeren", "weigeren", "avvisa alle", "avvis alle", "afvis alle",
    "neka alla", "hylkää kaikki", "odrzuć wszystkie", "odrzuć", "rejeitar tudo", "rejeitar todos", "recusar",
    "odmítnout vše", "elutasítom", "отклонить все", "すべて拒否", "拒否する", "全部拒绝", "拒绝",
)
#: Whole button texts that accept, clicked only inside a consent container when no refusal is offered.
ACCEPT_TEXTS = (
    "accept all", "accept all cookies", "accept", "accept cookies", "allow all", "agree", "i agree",
    "i accept", "agree and close", "ok", "got it", "alle akzeptieren", "akzeptieren", "zustimmen",
    "alle zulassen", "tout accepter", "accepter", "j'accepte", "aceptar todo", "aceptar", "acepto",
    "accetta tutto", "accetta", "accetto", "alles accepteren", "accepteren", "godta alle", "godkänn alla",
    "acceptera alla", "accepter alle", "hyväksy kaikki", "akceptuję", "zaakceptuj wszystkie", "aceitar tudo",
    "aceitar", "přijmout vše", "принять все", "同意する", "すべて同意", "接受", "同意",
)
_CONSENT_CONTAINER = ("consent", "cookie", "gdpr", "cmp", "privacy", "didomi", "onetrust", "cookiebot",
                      "usercentrics", "sp_message")

_CLICK_BY_TEXT = """
([texts, containerWords, needContainer]) => {
  const wanted = new Set(texts);
  const roots = [document];
  const seen = [];
  while (roots.length) {
    const root = roots.pop();
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      if (el.matches('button, [role=button], a, input[type=button], input[type=submit]')) seen.push(el);
    }
  }
  const inConsent = (el) => {
    for (let node = el; node; node = node.parentElement || (node.getRootNode && node.getRootNode().host)) {
      const words = ((node.id || '') + ' ' + (typeof node.className === 'string' ? node.className : '') + ' ' +
                     (node.getAttribute && (node.getAttribute('aria-label') || '')) ).toLowerCase();
      if (containerWords.some((w) => words.includes(w))) return true;
      if (node.getAttribute && (node.getAttribute('aria-modal') === 'true' || node.getAttribute('role') === 'dialog'))
        return true;
    }
    return false;
  };
  for (const el of seen) {
    const text = ((el.innerText || el.value || el.textContent || '') + '').trim().toLowerCase().replace(/\\s+/g, ' ');
    if (!wanted.has(text)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (needContainer && !inConsent(el)) continue;
    if (el.tagName === 'A' && el.getAttribute('href') && !el.getAttribute('href').startsWith('#')
        && !el.getAttribute('href').startsWith('javascript')) continue;
    el.click();
    return text;
  }
  return null;
}
"""

_SCROLL_STEP = """
() => {
  const before = window.scrollY;
  window.scrollBy(0, Math.max(200, Math.floor(window.innerHeight * 0.8)));
  const height = Math.max(document.body ? document.body.scrollHeight : 0, document.documentElement.scrollHeight);
  return {moved: window.scrollY !== before, end: window.scrollY + window.innerHeight >= height - 2};
}
"""


@dataclass
class BehaviourReport:
    """What the behaviour did on a page."""

    consent: str | None = None  # "reject" or "accept" and what was clicked, if a dialog was closed
    scroll_steps: int = 0
    quiet: bool = False  # the network went quiet in time
    notes: list[str] = field(default_factory=list)


async def run_behaviour(page: Any, *, seconds: float, max_scroll_steps: int = 60) -> BehaviourReport:
    """Wait for quiet, close a consent dialog, scroll to the end and back, wait again: all within ``seconds``."""
    report = BehaviourReport()
    deadline = time.monotonic() + max(seconds, 1.0)
    report.quiet = await wait_for_quiet(page, _share(deadline, 0.35))
    report.consent = await dismiss_consent(page)
    if report.consent:
        await wait_for_quiet(page, _share(deadline, 0.2))
    report.scroll_steps = await scroll_to_end(page, deadline=deadline - _left(deadline) * 0.3,
                                              max_steps=max_scroll_steps)
    report.quiet = await wait_for_quiet(page, _share(deadline, 0.8)) and report.quiet
    return report


async def wait_for_quiet(page: Any, seconds: float) -> bool:
    """True when the page's network was quiet (no request for 500 ms) within ``seconds``."""
    if seconds <= 0:
        return False
    try:
        await page.wait_for_load_state("networkidle", timeout=seconds * 1000)
    except Exception:  # Playwright's TimeoutError, or the page went away
        return False
    return True


async def dismiss_consent(page: Any) -> str | None:
    """Close a consent dialog, preferring a refusal; what was clicked (``reject: ...``/``accept: ...``) or None."""
    for kind, selectors, texts, need_container in (("reject", REJECT_SELECTORS, REJECT_TEXTS, True),
                                                  ("accept", ACCEPT_SELECTORS, ACCEPT_TEXTS, True)):
        for frame in list(page.frames):
            clicked = await _click_selector(frame, selectors) or await _click_text(frame, texts, need_container)
            if clicked:
                log.debug("consent dialog on %s closed (%s: %s)", page.url, kind, clicked)
                return f"{kind}: {clicked}"
    return None


async def _click_selector(frame: Any, selectors: tuple[str, ...]) -> str | None:
    for selector in selectors:
        try:
            element = await frame.query_selector(selector)
            if element is not None and await element.is_visible():
                await element.click(timeout=2000)
                return selector
        except Exception:  # detached, covered, frame gone: try the next
            continue
    return None


async def _click_text(frame: Any, texts: tuple[str, ...], need_container: bool) -> str | None:
    try:
        clicked = await frame.evaluate(_CLICK_BY_TEXT, [list(texts), list(_CONSENT_CONTAINER), need_container])
    except Exception:
        return None
    return str(clicked) if clicked else None


async def scroll_to_end(page: Any, *, deadline: float, max_steps: int = 60, pause: float = 0.15) -> int:
    """Scroll down a screen at a time until the end (or ``deadline``/``max_steps``), then back to the top."""
    steps = 0
    try:
        while steps < max_steps and time.monotonic() < deadline:
            state = await page.evaluate(_SCROLL_STEP)
            steps += 1
            await asyncio.sleep(pause)  # lets IntersectionObservers fire and their fetches start
            if state.get("end") or not state.get("moved"):
                break
        await page.evaluate("() => window.scrollTo(0, 0)")
    except Exception as error:  # the page navigated or went away
        log.debug("scrolling %s stopped: %s", getattr(page, "url", "?"), error)
    return steps


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)


def _share(deadline: float, part: float) -> float:
    return _left(deadline) * part
