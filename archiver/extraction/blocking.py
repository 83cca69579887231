"""Tell a bot wall or challenge page from a page: :func:`detect_blocked`.

A site behind a bot-protection service may answer a crawler with a page that is not the one
asked for: a challenge ("Just a moment...", "Press & Hold"), a captcha, an "access denied"
notice. Archived as it is, such a page must not pass for an article. Three kinds of sign are
read, all generic (vendor markers, never a site's own selectors):

- a response header a protection service sets on its challenges (``cf-mitigated: challenge``,
  ``x-amzn-waf-action: captcha``);
- the markup of a vendor's challenge or block page (its challenge script or form, the block
  page's incident line), on a page with little text;
- a captcha widget, or challenge wording ("verify you are human", "access denied", in many
  languages) in the title or the visible text, on a page with almost no text; a 403, 429 or
  503 answer is allowed a little more text.

A pure function of the answer (status, headers, HTML), with no crawler imports: the static
lane calls it on the archived page, the browser lane on the rendered DOM. It only reads
strings; the visible text is measured only when a sign was found.
"""

from __future__ import annotations

import html as html_entities
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["BLOCKED", "BlockSign", "detect_blocked", "visible_text_length"]

#: The capture flag a blocked page gets.
BLOCKED = "blocked"

#: A vendor's challenge or block page may carry some text (a reference, a help paragraph).
VENDOR_TEXT_LIMIT = 2500
#: A captcha or challenge wording alone counts on a page with almost no text.
THIN_TEXT_LIMIT = 700
#: ... and on a 403, 429 or 503 answer with a little more.
REFUSED_TEXT_LIMIT = 1500
REFUSED_STATUSES = frozenset({403, 429, 503})


@dataclass(frozen=True)
class BlockSign:
    """Why a page is taken for a bot wall: ``reason`` is short and readable (``"Cloudflare challenge"``)."""

    reason: str


# Response headers: (header, values that mean a challenge or a block, reason).
_HEADER_SIGNS = (
    ("cf-mitigated", ("challenge",), "Cloudflare challenge (cf-mitigated header)"),
    ("x-amzn-waf-action", ("captcha", "challenge"), "AWS WAF challenge (x-amzn-waf-action header)"),
)

# The challenge and block pages of the common bot-protection vendors, as lower-case strings. Only
# markers of the challenge or block page itself: the scripts these services add to every page they
# protect (Cloudflare's /cdn-cgi/challenge-platform/scripts/jsd, DataDome's tags.js, Imperva's
# _Incapsula_Resource, PerimeterX's sensor) appear on ordinary pages too and are left out.
_VENDOR_MARKERS = (
    ("Cloudflare challenge", ("_cf_chl_opt", "cf-browser-verification", "/orchestrate/chl_page/",
                              "/orchestrate/managed/", "/orchestrate/jsch/", "/orchestrate/captcha/",
                              'id="challenge-form"', 'id="challenge-running"', 'id="challenge-stage"')),
    ("DataDome captcha", ("captcha-delivery.com",)),
    ("PerimeterX challenge", ("px-captcha", "_pxcaptcha")),
    ("Akamai block page", ("errors.edgesuite.net", "errors&#46;edgesuite&#46;net", "/_sec/cp_challenge/",
                           "sec-if-cpt-container")),
    ("Imperva block page", ("incapsula incident id", "_incapsula_resource?cwudnsai=")),
    ("Sucuri firewall", ("sucuri website firewall",)),
    ("AWS WAF challenge", ("window.gokuprops",)),
    ("Kasada challenge", ("kpsdk.scriptstart",)),
    ("DDoS-Guard check", ("/.well-known/ddos-guard/",)),
    ("F5 block page", ("the requested url was rejected. please consult with your administrator",)),
    ("Wordfence block page", ("your access to this site has been limited by the site owner",)),
    ("Distil challenge", ("distil_r_captcha", "distilcaptchaform")),
)

# Captcha widgets, matched (lower-case) in the markup outside scripts.
_WIDGET_MARKERS = (
    ("reCAPTCHA", ("g-recaptcha", "recaptcha/api2/anchor", "recaptcha/enterprise/anchor")),
    ("hCaptcha", ("h-captcha", "hcaptcha.com/captcha")),
    ("Turnstile", ("cf-turnstile",)),
    ("GeeTest", ("geetest_",)),
    ("Arkose", ("arkoselabs.com", "funcaptcha")),
    ("Friendly Captcha", ("frc-captcha",)),
)

# What a challenge or block page says, in many languages (matched in the lower-cased title and
# visible text). Kept to phrases a news page's text has no reason to be almost all of.
_WORDING = (
    # English
    "access denied", "access to this page has been denied", "verify you are human", "verify that you are human",
    "verifying you are human", "confirm you are human", "prove you are human", "are you a robot",
    "are you a human", "i am not a robot", "i'm not a robot", "checking your browser",
    "checking if the site connection is secure",
    "unusual traffic from your computer", "press & hold", "press and hold to confirm", "pardon our interruption",
    "request unsuccessful", "you have been blocked", "sorry, you have been blocked", "attention required",
    "please complete the security check", "security check required", "bot verification", "robot check",
    "just a moment...", "one more step", "request blocked", "automated access", "human verification",
    "please verify you are a human", "enable javascript and cookies to continue",
    # German
    "zugriff verweigert", "zugang verweigert", "bestätigen sie, dass sie ein mensch sind",
    "bitte bestätigen sie, dass sie kein roboter sind", "sind sie ein mensch", "sind sie ein roboter",
    "überprüfung ihres browsers", "einen moment bitte", "sicherheitsüberprüfung",
    # French
    "accès refusé", "accès interdit", "vérifiez que vous êtes humain", "vérifier que vous êtes humain",
    "êtes-vous un robot", "je ne suis pas un robot", "vérification de votre navigateur", "vérification de sécurité",
    # Spanish / Portuguese / Italian
    "acceso denegado", "verifica que eres humano", "verifique que es humano", "confirma que eres humano",
    "¿eres un robot", "no soy un robot", "comprobando tu navegador", "acesso negado", "verifique se você é humano",
    "você é um robô", "não sou um robô", "accesso negato", "verifica di essere umano", "sei un robot",
    "non sono un robot",
    # Dutch / Nordic / Polish / Czech / Turkish
    "toegang geweigerd", "bevestig dat je een mens bent", "ben je een robot", "åtkomst nekad", "tilgang nektet",
    "adgang nægtet", "bekräfta att du är en människa", "bekreft at du er et menneske", "dostęp zabroniony",
    "odmowa dostępu", "potwierdź, że jesteś człowiekiem", "nie jestem robotem", "přístup odepřen",
    "erişim engellendi", "robot olmadığınızı doğrulayın", "ben robot değilim",
    # Russian / Ukrainian / Greek
    "доступ запрещен", "доступ запрещён", "подтвердите, что вы человек", "вы робот", "я не робот",
    "доступ заборонено", "πρόσβαση απορρίφθηκε",
    # Japanese / Chinese / Korean / Hindi / Arabic / Hebrew
    "アクセスが拒否されました", "アクセス拒否", "ロボットではありません", "人間であることを確認",
    "访问被拒绝", "拒绝访问", "訪問被拒絕", "拒絕存取", "请验证您是人类", "我不是机器人", "安全验证",
    "액세스가 거부되었습니다", "접근이 거부", "로봇이 아닙니다", "사람인지 확인",
    "पहुंच अस्वीकृत", "मैं रोबोट नहीं हूँ", "تم رفض الوصول", "لست روبوت", "הגישה נדחתה", "אני לא רובוט",
)

_TITLE_WITHIN = 64 * 1024  # where a challenge page's title would be found at the latest

_FLAGS = re.IGNORECASE | re.DOTALL
_WORDING_RE = re.compile("|".join(re.escape(phrase) for phrase in sorted(_WORDING, key=len, reverse=True)))
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", _FLAGS)
_HIDDEN = re.compile(r"<(script|style|template|noscript|svg|head)\b[^>]*>.*?</\1\s*>|<!--.*?-->", _FLAGS)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def detect_blocked(status: int, headers: Mapping[str, str] | None, html: str,
                   text_length: int | None = None) -> BlockSign | None:
    """The sign that this answer is a bot wall or challenge page, or None for a page.

    ``headers`` are the response headers (any case; None when unknown), ``html`` the decoded
    document, ``text_length`` the length of its visible text when the caller knows it (the
    browser lane does), else it is measured here. About 50 ms for a 1.5 MB page at worst.
    """
    for name, value in (headers or {}).items():
        for header, values, reason in _HEADER_SIGNS:
            if name.lower() == header and value.strip().lower() in values:
                return BlockSign(reason)
    html = html or ""
    lowered = html.lower()
    vendor = _first(_VENDOR_MARKERS, lowered)
    markup = None if vendor is not None and text_length is not None else _HIDDEN.sub(" ", html)
    length = text_length if text_length is not None else len(_visible(markup or ""))
    if vendor is not None:
        return BlockSign(vendor) if length <= VENDOR_TEXT_LIMIT else None
    if length > (REFUSED_TEXT_LIMIT if status in REFUSED_STATUSES else THIN_TEXT_LIMIT):
        return None
    assert markup is not None
    widget = _first(_WIDGET_MARKERS, markup.lower())
    if widget is not None:
        return BlockSign(f"captcha ({widget})")
    wording = _WORDING_RE.search(_visible(markup).lower()) or _WORDING_RE.search(_title(html).lower())
    if wording is None:
        return None
    return BlockSign(f'"{wording.group(0)}"' + (f" ({status})" if status in REFUSED_STATUSES else ""))


def _first(markers: tuple[tuple[str, tuple[str, ...]], ...], lowered: str) -> str | None:
    """The name of the first of ``markers`` one of whose strings ``lowered`` holds."""
    return next((name for name, strings in markers if any(s in lowered for s in strings)), None)


def visible_text_length(html: str, markup: str | None = None) -> int:
    """How many characters of text a reader sees in ``html`` (scripts, styles, the head and tags left out).

    ``markup`` is ``html`` with its hidden parts already removed, when the caller has it.
    """
    return len(_visible(markup if markup is not None else _HIDDEN.sub(" ", html or "")))


def _visible(markup: str) -> str:
    return _SPACE.sub(" ", html_entities.unescape(_TAG.sub(" ", markup))).strip()


def _title(html: str) -> str:
    match = _TITLE.search(html, 0, _TITLE_WITHIN) if html else None
    return html_entities.unescape(match.group(1)) if match else ""
