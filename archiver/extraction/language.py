"""Language: normalisation of declared codes, detection, and the choice between them.

Detection uses py3langid when it is installed; a confident detection on enough body text
overrides a declaration that names an unrelated language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from archiver.extraction.structured import StructuredData
from archiver.extraction.text import _clean_text

__all__ = ["detect_language", "load_language_model", "normalize_language"]

logger = logging.getLogger(__name__)


#: Languages a detector confuses with each other; a disagreement inside a group is ignored.
_CLOSE_LANGUAGES = [
    {"no", "nb", "nn", "da", "sv"},
    {"hr", "bs", "sr", "sh"},
    {"ms", "id"},
    {"zh", "yue", "wuu", "ja"},  # kanji-heavy Japanese can read as Chinese
    {"cs", "sk"},
    {"ca", "es", "gl"},
]
_DETECTION_MIN_CHARS = 200
_DETECTION_MAX_CHARS = 1500  # enough for a confident guess; the cost grows with the length
_OVERRIDE_CONFIDENCE = 0.95


def normalize_language(value: Any) -> str | None:
    """Primary language subtag in lower case: ``"en-US"`` → ``"en"``, junk → ``None``."""
    text = _clean_text(value)
    if not text:
        return None
    primary = re.split(r"[-_\s,;]", text.lower(), maxsplit=1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", primary) or primary in {"und", "mul", "zxx", "xx"}:
        return None
    return primary


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    """Load py3langid's model once, or return ``None`` when it is not installed."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    loader = getattr(LanguageIdentifier, "from_model_file", None) or getattr(
        LanguageIdentifier, "from_pickled_model", None
    )
    if loader is None:
        return None
    try:
        return loader(MODEL_FILE, norm_probs=True)
    except Exception:  # a broken model file must not break extraction
        logger.warning("could not load the py3langid model", exc_info=True)
        return None


def load_language_model() -> bool:
    """Load the language model now rather than on the first detection; True when it is available."""
    return _language_identifier() is not None


def detect_language(text: str | None) -> tuple[str | None, float]:
    """Detect the language of ``text`` with py3langid: ``(code, confidence)``.

    Returns ``(None, 0.0)`` when py3langid is not installed or the text is empty.
    """
    if not text or not text.strip():
        return None, 0.0
    identifier = _language_identifier()
    if identifier is None:
        return None, 0.0
    try:
        code, confidence = identifier.classify(text[:_DETECTION_MAX_CHARS])
    except Exception:  # detector bugs must not break extraction
        logger.debug("language detection failed", exc_info=True)
        return None, 0.0
    return normalize_language(code), float(confidence)


def _close(a: str, b: str) -> bool:
    """Whether two language codes are the same or easily confused."""
    return a == b or any(a in group and b in group for group in _CLOSE_LANGUAGES)


def _pick_language(
    trafilatura: Mapping[str, Any], data: StructuredData, text: str | None, fallback_text: str
) -> tuple[str | None, str | None]:
    """Choose the language, checking declarations against detection."""
    declared = None
    for raw, source in (  # noqa: B007 - source is read after the break
        (data.html_lang, "html"),
        (data.content_language, "meta"),
        (data.jsonld.in_language if data.jsonld else None, "json-ld"),
        (data.first("og:locale"), "opengraph"),
    ):
        declared = normalize_language(raw)
        if declared:
            break
    sample = text if text and len(text) >= _DETECTION_MIN_CHARS else None
    detected, confidence = detect_language(sample or fallback_text)
    if declared:
        if (
            sample
            and detected
            and confidence >= _OVERRIDE_CONFIDENCE
            and not _close(declared, detected)
        ):
            logger.debug("page declares %s but reads as %s", declared, detected)
            return detected, "detected"
        return declared, source
    if detected and (sample or confidence >= 0.9):
        return detected, "detected"
    traf = normalize_language(trafilatura.get("language"))
    return (traf, "trafilatura") if traf else (None, None)
