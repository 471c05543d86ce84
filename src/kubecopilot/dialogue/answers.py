"""One grammar for answers to the assistant's own question, in English and Chinese.

An answer is a number or an ordinal ("2", "2nd", "第二个", "the last one", "最后一个"), a name or a part of one ("v2 那个"),
a typo of an option ("prodution"), a correction ("no wait, production", "不对，是 production" — of the slot asked, or of
one answered before), "list them", cancel ("算了", "never mind", and at a question that is no yes/no, a no: "不要"), or
— only where a yes/no is asked — yes or no. A number that picks nothing
("0", "99", "-1") or a word that is no option ("n" at "which namespace?") is asked again, never guessed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from kubecopilot.dialogue import phrases
from kubecopilot.dialogue.extract import TOKEN
from kubecopilot.dialogue.inventory import Names
from kubecopilot.dialogue.reading import Question, Reply
from kubecopilot.dialogue.turns import Option

_FUZZY = 0.8


def read_reply(text: str, question: Question, names: Names, stopwords: frozenset[str]) -> Reply | None:
    """How ``text`` answers ``question``; None when it is no answer at all (perhaps a new request)."""
    text = text.strip()
    if phrases.CANCEL.match(text):
        return Reply("cancel")
    if question.yes_no:
        yes_no = _yes_no(text, question)
        if yes_no is not None:
            return yes_no
    elif phrases.REFUSAL.match(text):
        return Reply("cancel")  # "不要", "no thanks" at "which pod?": not an answer but a no to the question
    if question.free_text:
        return _free(text, question)
    return _choice(text, question, names, stopwords)


def yes_or_no(text: str) -> str | None:
    """"yes" / "no" for a bare yes or no word ("y", "好的", "n", "不要"), else None."""
    if phrases.YES.match(text):
        return "yes"
    if phrases.NO.match(text):
        return "no"
    return None


def _yes_no(text: str, question: Question) -> Reply | None:
    said = yes_or_no(text)
    if said is not None:
        return Reply("yes" if said == "yes" else "no")
    number = phrases.choice_number(text)
    if number is not None and question.options:
        picked = _nth(question.options, number)
        if picked is not None:
            return Reply("yes" if picked.value == "yes" else "no")
    return None


def _free(text: str, question: Question) -> Reply:
    exact = _exact(text, question.options)
    if exact is not None:
        return Reply("pick", option=exact)
    if phrases.LIST_THEM.search(text):
        return Reply("list")
    said = phrases.correction(text) or text
    number = phrases.number_word(said)  # "three", "三个": a count in words
    return Reply("value", value=str(number) if number is not None else said) if text else Reply("invalid", value=text)


def _choice(text: str, question: Question, names: Names, stopwords: frozenset[str]) -> Reply | None:
    options = question.options
    negative = phrases.negative_number(text)
    if negative is not None:
        return Reply("invalid", value=text, number=negative)
    number = phrases.choice_number(text)
    if number is not None:
        picked = _nth(options, number)
        return Reply("pick", option=picked) if picked else Reply("invalid", value=text, number=number)
    if phrases.LIST_THEM.search(text):
        return Reply("list")
    corrected = phrases.correction(text)
    said = phrases.NEGATED.sub(" ", corrected or text)  # "production not dev": dev is what it is not
    said = _environment(said, options)
    reply = _by_name(said, options, stopwords)
    if reply is not None:
        return replace(reply, kind="correction", slot=question.slot) if corrected and reply.kind == "pick" else reply
    earlier = _earlier_slot(said, question, names)
    if earlier is not None:
        return earlier
    said_yes_no = yes_or_no(text)
    if said_yes_no == "yes" and len(options) == 1:
        return Reply("pick", option=options[0])  # "y" to "did you mean X?": the one thing offered
    if said_yes_no is not None:
        return Reply("invalid", value=text)  # "n" / "y" where no yes/no was asked: a word, not a name part
    return None


def _by_name(text: str, options: tuple[Option, ...], stopwords: frozenset[str]) -> Reply | None:
    """An option named exactly, by its unique parts ("v2 那个"), or by a near miss ("prodution")."""
    if not options:
        return None
    exact = _exact(text, options)
    if exact is not None:
        return Reply("pick", option=exact)
    fragments = [t for t in TOKEN.findall(text.lower()) if t not in stopwords and len(t) >= 2]
    if fragments:
        matches = tuple(o for o in options if all(f in o.value.lower() for f in fragments))
        if len(matches) == 1:
            return Reply("pick", option=matches[0])
        if len(matches) > 1:
            return Reply("narrowed", options=matches)
    for fragment in fragments:
        close = difflib.get_close_matches(fragment, [o.value.lower() for o in options], n=1, cutoff=_FUZZY)
        if close and len(fragment) >= 4:
            option = next(o for o in options if o.value.lower() == close[0])
            return Reply("pick", option=option, note=fragment)
    return None


def _environment(text: str, options: tuple[Option, ...]) -> str:
    """"生产" for the production namespace, when it is one of the options."""
    values = {o.value for o in options}
    for word, names in phrases.ENVIRONMENTS.items():
        if word in text:
            name = next((n for n in names if n in values), None)
            if name is not None:
                return text.replace(word, f" {name} ")
    return text


def _earlier_slot(text: str, question: Question, names: Names) -> Reply | None:
    """"no wait, production" while asked for a pod of dev: the namespace answered before is corrected."""
    words = [t for t in TOKEN.findall(text.lower()) if len(t) >= 2]
    if len(words) != 1 or "namespace" not in question.filled or question.slot == "namespace":
        return None
    word = words[0]
    known = [n.name for n in names.of("namespace")]
    close = word if word in known else next(iter(difflib.get_close_matches(word, known, n=1, cutoff=0.85)), None)
    if close is None or close == question.filled.get("namespace"):
        return None
    return Reply("correction", value=close, slot="namespace", note=word if close != word else None)


def _nth(options: tuple[Option, ...], number: int) -> Option | None:
    """The option a number picks: 1-based, or from the end when negative (-1: the last one); none for 0."""
    if 1 <= number <= len(options):
        return options[number - 1]
    if -len(options) <= number <= -1:
        return options[number]
    return None


def _exact(text: str, options: tuple[Option, ...]) -> Option | None:
    lowered = text.lower()
    hits = [o for o in options if re.search(r"(?<![a-z0-9\-.])" + re.escape(o.value.lower()) + r"(?![a-z0-9\-])", lowered)]
    return max(hits, key=lambda o: len(o.value)) if hits else None
