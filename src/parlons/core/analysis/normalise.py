"""French normalisation: masking of personal data, accent folding, lemmas, stop words and
language detection. Lemmas come from simplemma (shipped dictionaries, nothing downloaded).

Every function is deterministic; the :class:`FrenchNormaliser` caches per distinct token, so a
corpus of 100,000 texts costs one simplemma look-up per distinct word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import simplemma

from parlons.core.analysis.stopwords import STOP_WORDS_FR

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# French numbers (0X XX XX XX XX, +33 X ..., 0033) and long international numbers.
PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?[1-9]|0[1-9])(?:[\s.-]?\d{2}){4}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d{2,4}){3,5}(?!\d)"
)
TOKEN_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
TAG_RE = re.compile(r"<[^>]{0,200}>")
SPACE_RE = re.compile(r"\s+")
SPLIT_ON_SPACES = r"\S+"  # token pattern of the vectorisers: texts are pre-tokenised


DIGITS_RE = re.compile(r"\d[\d\s.()-]{7}")


def mask_personal_data(text: str) -> str:
    """Replace URLs, e-mail addresses and phone numbers by ``[URL]``, ``[EMAIL]``, ``[TEL]``."""
    if "http" in text or "www" in text or "WWW" in text or "HTTP" in text:
        text = URL_RE.sub("[URL]", text)
    if "@" in text:
        text = EMAIL_RE.sub("[EMAIL]", text)
    if DIGITS_RE.search(text):
        text = PHONE_RE.sub("[TEL]", text)
    return text


def strip_html(text: str) -> str:
    """Remove HTML tags and common entities (Decidim bodies may hold HTML)."""
    text = TAG_RE.sub(" ", text)
    for entity, char in (("&nbsp;", " "), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"),
                         ("&quot;", '"'), ("&#39;", "'"), ("&rsquo;", "’")):
        text = text.replace(entity, char)
    return text


_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower case without accents (``"Élève"`` → ``"eleve"``); œ/æ are expanded."""
    text = text.lower()
    if text.isascii():
        return text
    text = text.replace("œ", "oe").replace("æ", "ae")
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))


_FOLDED: dict[str, str] = {}


def folded_words(text: str) -> list[str]:
    """Accent-folded lower-case words of ``text`` after masking (per-word cache)."""
    cache = _FOLDED
    out = []
    for token in TOKEN_RE.findall(mask_personal_data(text).lower()):
        folded = cache.get(token)
        if folded is None:
            folded = cache[token] = fold(token)
        out.append(folded)
    return out


def canonical(text: str) -> str:
    """Accent-folded lower-case words joined by single spaces (for exact-duplicate hashing)."""
    return " ".join(folded_words(text))


class FrenchNormaliser:
    """Tokens → accent-folded lemmas without stop words, with a per-token cache."""

    def __init__(self, extra_stop_words: Iterable[str] = ()) -> None:
        self.stop_words = frozenset(STOP_WORDS_FR | {fold(w) for w in extra_stop_words})
        self._lemma: dict[str, str] = {}
        self._known: dict[str, bool] = {}

    def lemma(self, token: str) -> str:
        """The folded lemma of a lower-case token, or ``""`` for a stop word/1-letter token."""
        cached = self._lemma.get(token)
        if cached is not None:
            return cached
        folded = fold(token)
        if len(folded) < 2 or folded in self.stop_words:
            result = ""
        else:
            lemma = fold(simplemma.lemmatize(token, lang="fr"))
            result = "" if lemma in self.stop_words or len(lemma) < 2 else lemma
        self._lemma[token] = result
        return result

    def tokens(self, text: str) -> list[str]:
        """Lower-case word tokens of ``text`` after masking personal data."""
        return TOKEN_RE.findall(mask_personal_data(text).lower())

    def lemmas(self, text: str) -> list[str]:
        """Content lemmas of ``text`` (no stop words), in order."""
        lemma = self.lemma
        return [lem for lem in map(lemma, self.tokens(text)) if lem]

    def analyse(self, text: str) -> str:
        """Content lemmas joined by spaces (the input of the vectorisers)."""
        return " ".join(self.lemmas(text))

    def french_ratio(self, text: str) -> float:
        """Share of word tokens (2+ letters) known to the French dictionary (1.0 if none)."""
        words = [t for t in self.tokens(text) if len(t) > 1]
        if not words:
            return 1.0
        known = self._known
        hits = 0
        for word in words:
            flag = known.get(word)
            if flag is None:
                flag = simplemma.is_known(word, lang="fr") or fold(word) in self.stop_words
                known[word] = flag
            hits += flag
        return hits / len(words)

    def analyse_with_ratio(self, text: str) -> tuple[str, float, int]:
        """One pass: content lemmas joined by spaces, French ratio and number of words."""
        tokens = self.tokens(text)
        lemma = self.lemma
        lemmas = " ".join(lem for lem in map(lemma, tokens) if lem)
        words = [t for t in tokens if len(t) > 1]
        if not words:
            return lemmas, 1.0, 0
        known = self._known
        hits = 0
        for word in words:
            flag = known.get(word)
            if flag is None:
                flag = simplemma.is_known(word, lang="fr") or fold(word) in self.stop_words
                known[word] = flag
            hits += flag
        return lemmas, hits / len(words), len(words)

    def is_french(self, text: str, threshold: float = 0.6, min_words: int = 3) -> bool:
        """False when ``text`` has at least ``min_words`` words and few are French."""
        words = [t for t in self.tokens(text) if len(t) > 1]
        if len(words) < min_words:
            return True
        return self.french_ratio(text) >= threshold


def clean_text(text: str) -> str:
    """Text as stored: HTML stripped, whitespace collapsed, personal data masked."""
    return SPACE_RE.sub(" ", mask_personal_data(strip_html(text))).strip()
