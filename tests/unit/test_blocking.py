"""The bot-wall detector: challenge pages of several kinds are blocked; 404s, short articles, captcha stories not."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.extraction.blocking import BlockSign, detect_blocked, visible_text_length

FIXTURES = Path(__file__).parents[1] / "support" / "fixtures" / "blocked"


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "status", "reason"), [
    ("cloudflare_challenge.html", 403, "Cloudflare challenge"),
    ("datadome_captcha.html", 403, "DataDome captcha"),
    ("perimeterx_press_hold.html", 403, "PerimeterX challenge"),
    ("akamai_access_denied.html", 403, "Akamai block page"),
    ("imperva_incident.html", 200, "Imperva block page"),
    ("kasada_429.html", 429, "Kasada challenge"),
    ("recaptcha_unusual_traffic.html", 200, "captcha (reCAPTCHA)"),
    ("japanese_robot_check.html", 200, "captcha (hCaptcha)"),
    ("german_zugriff_verweigert.html", 403, '"zugriff verweigert" (403)'),
    ("german_zugriff_verweigert.html", 200, '"zugriff verweigert"'),
])
def test_challenge_pages_are_blocked(name: str, status: int, reason: str) -> None:
    assert detect_blocked(status, {"Content-Type": "text/html"}, page(name)) == BlockSign(reason)


@pytest.mark.parametrize(("name", "status"), [
    ("legit_404.html", 404),
    ("legit_404.html", 200),
    ("legit_short_article.html", 200),
    ("legit_short_article.html", 503),
    ("legit_captcha_story.html", 200),
])
def test_legitimate_short_pages_are_not_blocked(name: str, status: int) -> None:
    assert detect_blocked(status, {"Content-Type": "text/html"}, page(name)) is None


def test_a_short_story_about_captchas_in_its_text_is_not_blocked() -> None:
    html = ("<html><head><title>Captcha makers fined</title></head><body><article><h1>Captcha makers fined</h1>"
            "<p>A regulator fined two captcha vendors on Friday for keeping visitors' data too long.</p>"
            "<p>Both said they would appeal.</p></article></body></html>")
    assert visible_text_length(html) < 200
    assert detect_blocked(200, None, html) is None


def test_challenge_headers_alone_are_enough() -> None:
    assert detect_blocked(403, {"CF-Mitigated": "challenge"}, "<html></html>") == BlockSign(
        "Cloudflare challenge (cf-mitigated header)")
    assert detect_blocked(405, {"x-amzn-waf-action": "captcha"}, "") == BlockSign(
        "AWS WAF challenge (x-amzn-waf-action header)")
    assert detect_blocked(200, {"x-amzn-waf-action": "allow", "server": "cloudflare"}, page("legit_404.html")) is None


def test_vendor_markers_on_a_page_with_its_article_do_not_block() -> None:
    article = "<p>" + "The council met on Tuesday and agreed a budget for schools and roads. " * 60 + "</p>"
    html = page("cloudflare_challenge.html").replace("</body>", article + "</body>")
    assert visible_text_length(html) > 2500
    assert detect_blocked(200, None, html) is None


def test_the_scripts_protection_services_add_to_every_page_are_not_challenges() -> None:
    html = ("<html><head><title>Empty shell</title><script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'>"
            "</script><script src='https://js.datadome.co/tags.js'></script>"
            "<script>window._pxAppId='PX1'; var msg = 'Access denied: verify you are human';</script></head>"
            "<body><div id='root'></div><noscript>You need to enable JavaScript to run this app.</noscript>"
            "<script src='/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3'></script></body></html>")
    assert detect_blocked(200, {"Server": "cloudflare"}, html) is None


def test_wording_counts_in_the_title_and_in_many_languages() -> None:
    def thin(title: str, text: str) -> str:
        return f"<html><head><title>{title}</title></head><body><p>{text}</p></body></html>"

    assert detect_blocked(200, None, thin("Attention Required! | Cloudflare", "Please wait.")) is not None
    assert detect_blocked(403, None, thin("Erreur", "Accès refusé")) == BlockSign('"accès refusé" (403)')
    assert detect_blocked(403, None, thin("Error", "Acceso denegado")) is not None
    assert detect_blocked(429, None, thin("Ошибка", "Доступ запрещён")) is not None
    assert detect_blocked(403, None, thin("错误", "访问被拒绝")) is not None


def test_a_text_length_given_by_the_caller_is_used() -> None:
    html = page("cloudflare_challenge.html")
    assert detect_blocked(200, None, html, text_length=5000) is None
    assert detect_blocked(200, None, html, text_length=10) == BlockSign("Cloudflare challenge")
