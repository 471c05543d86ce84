"""Link the words of a message to the names the cluster has: exact, prefix, a part of a name, or a typo of one.

A word is a candidate name when it is not part of the vocabulary (keywords, stopwords), not a number or a quantity,
and not a near miss of a keyword ("namepsaces" is a typo of a word, not of a name). Each candidate is matched against
the inventory cheapest list first — namespaces, clusters, nodes, then deployments, then pods — and the first list that
explains it wins. A word that matches nothing stays ``unlinked``: the caller never filters by it unless the person
marked it as a name ("pods named X", quotes).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from kubecopilot.dialogue.extract import QUANTITY_TOKEN, TOKEN
from kubecopilot.dialogue.inventory import Named, Names
from kubecopilot.dialogue.reading import HowMatched, Mention, MentionKind

LINK_ORDER = ("namespace", "cluster", "node", "deployment", "pod")
FUZZY_CUTOFF = 0.85  # "prodution" → production (0.95), "billing-apl" → billing-api (0.91); "checking" ↛ checkout
_BOUNDARY = "-."
_ORDINAL = re.compile(r"^(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)$")
_KIND: dict[str, MentionKind] = {"namespace": "namespace", "cluster": "cluster", "node": "node", "deployment": "deployment",
                                 "pod": "pod"}
_MARKED = (  # the person marked the next word as a name: it is a filter even when it matches nothing
    re.compile(r"\b(?:named|called|matching|containing|like)\s+[`'\"]?([a-z0-9][a-z0-9\-.]*)", re.I),
    re.compile(r"(?:名为|名叫|名字叫|名字是|名字包含|包含|叫)\s*[`'\"]?([a-z0-9][a-z0-9\-.]*)", re.I),
    re.compile(r"[`'\"“‘]([a-z0-9][a-z0-9\-.]*)[`'\"”’]", re.I),
)


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def words(text: str, stopwords: frozenset[str], keywords: Iterable[str], skip: Iterable[tuple[int, int]] = ()) -> list[Word]:
    """The words of ``text`` (lower case) that could be names, in order."""
    skipped = list(skip)
    vocab = list(keywords)
    found = []
    for m in TOKEN.finditer(text):
        token = m.group(0).strip(".")
        if (len(token) < 2 or token in stopwords or token.isdigit() or QUANTITY_TOKEN.match(token) or ":" in token
                or _ORDINAL.match(token)
                or "/" in token or "@" in token or any(s <= m.start() < e for s, e in skipped)):
            continue
        if len(token) >= 4 and "-" not in token and difflib.get_close_matches(token, vocab, n=1, cutoff=0.8):
            continue  # a typo of a keyword ("namepsaces", "restrat"), not a name
        found.append(Word(token, m.start(), m.start() + len(token)))
    return found


def marked(text: str) -> list[Word]:
    """Words the person marked as names: "pods named cart", "名为 cart 的 pod", `cart`."""
    return [Word(m.group(1).lower(), m.start(1), m.end(1)) for p in _MARKED for m in p.finditer(text)]


def link(word: Word, names: Names, kinds: Iterable[str] = LINK_ORDER, *, fuzzy: bool = True,
         partial: bool = True) -> Mention | None:
    """The first list of ``kinds`` that has ``word`` (exactly or — ``partial`` — as a prefix or a part of a name),
    else a near miss of a name."""
    order = list(kinds)
    for kind in order:
        found = _match(word.text, names.of(kind), partial=partial)
        if found is not None:
            how, matched = found
            return replace(_mention(kind, word.text, how, matched, said=word.text), span=word.span)
    if not fuzzy or len(word.text) < 5:
        return None
    for kind in order:
        if kind == "pod":
            continue  # a pod's random suffix is no word to misspell; its deployment's name is
        close = _fuzzy(word.text, names.of(kind))
        if close is not None:
            key, matched = close
            return replace(_mention(kind, key, "fuzzy", matched, said=word.text), span=word.span)
    return None


def abbreviation(word: Word, names: Names) -> Mention | None:
    """"prod" for production: the one namespace the word begins (only where the person named a place)."""
    hits = [n for n in names.of("namespace") if n.name.startswith(word.text) and len(word.text) >= 3]
    if len(hits) != 1:
        return None
    return replace(_mention("namespace", word.text, "prefix", hits, said=word.text), span=word.span)


def _match(word: str, named: list[Named], *, partial: bool = True) -> tuple[HowMatched, list[Named]] | None:
    exact = [n for n in named if n.name == word]
    if exact:
        return "exact", exact
    if not partial:
        return None
    prefix = [n for n in named if n.name.startswith(word) and n.name[len(word)] in _BOUNDARY]
    if prefix:
        return "prefix", prefix
    if len(word) < 3 and not any(c.isdigit() for c in word):
        return None  # "ab" inside a name is noise; "v2" is a part people use
    part = re.compile(r"(?:^|[-.])" + re.escape(word) + r"(?:[-.]|$)")
    parts = [n for n in named if part.search(n.name)]
    return ("part", parts) if parts else None


def _fuzzy(word: str, named: list[Named]) -> tuple[str, list[Named]] | None:
    """The one name (or name prefix, "cart-service" of cart-service-v1) closest to ``word``, if close enough."""
    keys: dict[str, list[Named]] = {}
    for n in named:
        for key in _prefixes(n.name):
            keys.setdefault(key, []).append(n)
    close = difflib.get_close_matches(word, list(keys), n=2, cutoff=FUZZY_CUTOFF)
    if not close:
        return None
    if len(close) == 2 and difflib.SequenceMatcher(None, word, close[1]).ratio() >= \
            difflib.SequenceMatcher(None, word, close[0]).ratio():
        return None  # two names equally close: not a typo of either
    return close[0], keys[close[0]]


def _prefixes(name: str) -> Iterator[str]:
    """cart-service-v1 → cart-service, cart-service-v1 (a prefix of two segments or more, and the name)."""
    parts = name.split("-")
    for end in range(2, len(parts)):
        yield "-".join(parts[:end])
    yield name


def _mention(kind: str, key: str, how: HowMatched, matched: list[Named], *, said: str) -> Mention:
    """One object matched: its name; several ("cart" → cart-service-v1, -v2): the part they share."""
    namespaces = {n.namespace for n in matched}
    name = matched[0].name if how == "exact" or len(matched) == 1 else key
    mention_kind: MentionKind = _KIND[kind]
    return Mention(kind=mention_kind, name=name, how=how, said=said,
                   namespace=next(iter(namespaces)) if len(namespaces) == 1 else None, candidates=len(matched))
