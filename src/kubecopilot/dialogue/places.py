"""The places a message names: its cluster and its namespace, linked to the cluster's names.

"in dev", "-n dev", "namespace dev", "dev 命名空间", "在 dev", "on prod-cluster", a bare "dev" or "prod-cluster", an
environment in words ("生产环境"), "prod" for production, a typo ("prodution"). A place the person marked that the cluster
does not have ("in staging") is kept as ``unknown`` — asked about, never replaced by the session's namespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubecopilot.dialogue import extract, linking, phrases
from kubecopilot.dialogue.intents import vocabulary
from kubecopilot.dialogue.inventory import Names
from kubecopilot.dialogue.reading import Mention, Note


@dataclass
class Places:
    namespace: Mention | None = None
    cluster: Mention | None = None
    unknown: str | None = None  # "in staging": marked as a place, names no namespace
    explicit: bool = False  # "-n qa", "namespace qa": a namespace even if no list has it
    spans: list[tuple[int, int]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def find(lowered: str, names: Names) -> Places:
    """The cluster and the namespace the text names, and the spans that name them (left out of the intent)."""
    found = Places()
    for pattern in extract.CLUSTER_MARKED:
        m = pattern.search(lowered)
        if m and m.group(1) not in vocabulary().stopwords:
            linked = linking.link(linking.Word(m.group(1), m.start(1), m.end(1)), names, ("cluster",), partial=False)
            found.cluster = linked or Mention("cluster", m.group(1), "marked", said=m.group(1))
            found.spans.append(m.span())
            break
    for explicit, patterns in ((True, extract.EXPLICIT_NS), (False, extract.PLACE_NS)):
        for pattern in patterns:
            for m in pattern.finditer(lowered):
                word = linking.Word(m.group(1), m.start(1), m.end(1))
                if word.text.isdigit() or word.text in vocabulary().stopwords and \
                        linking.link(word, names, ("namespace",), fuzzy=False, partial=False) is None:
                    continue
                if _place(found, word, names, explicit, m.span()):
                    return _bare_cluster(found, lowered, names)
    return _bare_places(found, lowered, names)


def _place(found: Places, word: linking.Word, names: Names, explicit: bool, span: tuple[int, int]) -> bool:
    """One word marked as a place: a namespace (exact, "prod" for production, a typo), a cluster, or unknown."""
    linked = (linking.link(word, names, ("namespace",), partial=False) or linking.abbreviation(word, names)
              or (None if explicit else linking.link(word, names, ("cluster",), partial=False)))
    if linked is None and not names.of("namespace"):  # the namespaces cannot be read: not judged
        if explicit:
            found.namespace, found.explicit = Mention("namespace", word.text, "marked", said=word.text), True
            found.spans.append(span)
        return explicit
    if linked is None and not explicit:
        if linking.link(word, names, ("node", "deployment", "pod"), fuzzy=False) is not None:
            return False  # "in billing-api": a thing, not a place
        found.unknown = found.unknown or word.text
        return False
    if linked is not None and linked.kind == "cluster":
        found.cluster = found.cluster or linked
    else:
        found.namespace = linked or Mention("namespace", word.text, "marked", said=word.text, span=word.span)
        found.explicit = explicit
        if linked is None:
            found.unknown = word.text
    if linked is not None and linked.how == "fuzzy" or linked is not None and linked.name != word.text:
        found.notes.append(Note.of("took_name", said=word.text, name=linked.name))
    found.spans.append(span if explicit else word.span)
    return True


def _environment(found: Places, lowered: str, names: Names) -> bool:
    """"生产环境的 pod": an environment named in words, when a namespace of that name exists."""
    for word, candidates in phrases.ENVIRONMENTS.items():
        if word in lowered:
            known = {n.name for n in names.of("namespace")}
            name = next((c for c in candidates if c in known), None)
            if name is not None:
                found.namespace = Mention("namespace", name, "exact", said=word)
                found.notes.append(Note.of("took_name", said=word, name=name))
                return True
    return False


def _bare_places(found: Places, lowered: str, names: Names) -> Places:
    """"dev 下面有哪些 pod", "list dev pods": a word that is exactly one namespace's name (or a typo of one)."""
    if _environment(found, lowered, names):
        return _bare_cluster(found, lowered, names)
    words = linking.words(lowered, vocabulary().stopwords, (), skip=found.spans)
    exact = ((w, linking.link(w, names, ("namespace",), fuzzy=False, partial=False)) for w in words)
    typo = ((w, linking.link(w, names, ("namespace",), partial=False)) for w in words if len(w.text) >= 6
            and linking.link(w, names, ("node", "deployment", "pod"), fuzzy=False) is None)
    for word, linked in (*exact, *typo):
        if linked is not None:
            found.namespace, found.unknown = linked, None
            found.spans.append(word.span)
            if linked.how == "fuzzy":
                found.notes.append(Note.of("took_name", said=word.text, name=linked.name))
            break
    return _bare_cluster(found, lowered, names)


def _bare_cluster(found: Places, lowered: str, names: Names) -> Places:
    if found.cluster is not None:
        return found
    for word in linking.words(lowered, vocabulary().stopwords, (), skip=found.spans):
        linked = linking.link(word, names, ("cluster",), partial=False, fuzzy=len(word.text) >= 8)
        if linked is not None:
            found.cluster = linked
            found.spans.append(word.span)
            if linked.how == "fuzzy":
                found.notes.append(Note.of("took_name", said=word.text, name=linked.name))
            break
    return found


