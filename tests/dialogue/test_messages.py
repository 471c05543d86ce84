"""One bilingual message catalogue (``messages.yaml``): every key says it in every language with the same
placeholders, every key is used, and no other module carries English/Chinese output text of its own."""

from __future__ import annotations

import ast
import re
import string
import typing
from pathlib import Path

import pytest

from kubecopilot import messages

SRC = Path(messages.__file__).resolve().parent  # src/kubecopilot
CATALOGUE = "messages.py"
TABLES = {"MESSAGES": messages.MESSAGES, "SUGGESTIONS": messages.SUGGESTIONS}
LANGUAGES = set(typing.get_args(messages.Language))

# Chinese the product *reads*, not says: keywords, question words, replies. It stays next to the code that parses it.
INPUT_VOCABULARY = {
    "dialogue/intents.py": "intent keywords and question words",
    "dialogue/phrases.py": "cancel / yes / no / correction / ordinal replies",
    "dialogue/extract.py": "replica counts, quantities and namespaces in a request",
    "dialogue/reader.py": "words for previous logs",
    "dialogue/shape.py": "words for unhealthy, the most restarts, all of them, many objects, counting, nodes, secrets",
    "dialogue/followups.py": "words of a follow-up (呢, 换成, 切回, 另一个)",
    "dialogue/linking.py": "words that mark a name (名为, 叫)",
    "dialogue/places.py": "words that name a place",
    "ui/repl.py": "EXIT_WORDS, CLEAR_WORDS",
    "ui/plan_view.py": "YES / NO to a plan",
    "ui/completion.py": "the NAME column of a Chinese table",
}
# English help (or a schema's description for the model) that quotes what a user may type in Chinese: only these words.
QUOTED_INPUT = {
    "dialogue/models.py": {"它"},
    "ui/slash.py": {"刷新缓存", "重新扫描", "退出", "清屏"},
    "ui/banner.py": {"中文"},
    "commands/ask.py": {"为什么", "一直重启"},
}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")  # Chinese words; punctuation alone ("。？！") says nothing


def _modules() -> dict[str, ast.Module]:
    return {str(p.relative_to(SRC)): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))}


def _strings(tree: ast.Module) -> list[str]:
    """Every string literal of a module (f-string parts too), docstrings left out: they are not said."""
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


# ... and the modules that note what a reading took for granted (``Note.of("key", …)``, said by the router)
# ... and the plan domain's modules that keep sentences as phrases (``Phrase(key=…)``, said by ``plans.wording``)
SPEAKS = re.compile(r"from kubecopilot(\.messages import| import .*\bmessages\b|\.dialogue\.views import .*\bsuggestion\b|"
                    r"\.dialogue\.reading import \(?[^)]*?\bNote\b|\.plans\.model import .*\bPhrase\b)")


def _speaking_code() -> str:
    """The modules that say things (they import the catalogue or ``views.suggestion``), and the catalogue's own code:
    its words are in the YAML file, so a key named in this code is used (a word like "next" elsewhere is not)."""
    texts = [p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")]
    return "\n".join(t for t in texts if SPEAKS.search(t) or t == (SRC / CATALOGUE).read_text(encoding="utf-8"))


def _forms(text) -> list[str]:
    """A sentence, or each plural form of a counted one."""
    return list(text.values()) if isinstance(text, dict) else [text]


def _fields(template) -> set[str]:
    return {name for form in _forms(template) for _, name, _, _ in string.Formatter().parse(form) if name is not None}


def _nouns(template) -> set[str]:
    """The counted nouns a template names in its placeholders (``{findings:n_findings}``)."""
    return {spec for form in _forms(template) for _, name, spec, _ in string.Formatter().parse(form) if name and spec}


@pytest.mark.parametrize("table", TABLES)
def test_every_key_is_said_in_every_language(table):
    for key, entry in TABLES[table].items():
        assert set(entry) == LANGUAGES and all(f.strip() for text in entry.values() for f in _forms(text)), (table, key)
        for lang in LANGUAGES:  # a template that does not parse would only fail when said
            _fields(entry[lang])


@pytest.mark.parametrize("table", ["MESSAGES", "SUGGESTIONS"])
def test_every_language_fills_in_the_same_placeholders(table):
    differ = {key: {lang: _fields(text) for lang, text in entry.items()} for key, entry in TABLES[table].items()
              if len({frozenset(_fields(text)) for text in entry.values()}) > 1
              or any(len({frozenset(_fields(f)) for f in _forms(text)}) > 1 for text in entry.values())}
    assert differ == {}


def _keys_in_risk_rules() -> set[str]:
    """The catalogue keys the shipped risk rules name: each rule's factor sentence and the words of ``describe``."""
    from kubecopilot.plans.risk import load_rules

    rules = load_rules()
    return {rule.words_key for rule in rules.rules} | set(rules.describe.values())


@pytest.mark.parametrize("table", ["MESSAGES", "SUGGESTIONS"])
def test_every_key_is_used(table):
    code = _speaking_code()
    nouns = {noun for t in TABLES.values() for entry in t.values() for text in entry.values() for noun in _nouns(text)}
    data = _keys_in_risk_rules()
    unused = [key for key in TABLES[table] if not re.search(rf"[\"']{key}[\"']", code) and key not in nouns | data]
    assert unused == []


def test_every_shipped_risk_rule_is_said_by_the_catalogue():
    from kubecopilot.plans.risk import load_rules

    missing = [key for key in _keys_in_risk_rules() if key not in messages.MESSAGES]
    assert missing == [] and all(rule.factor is None for rule in load_rules().rules)


# Sentences whose {count} counts no noun ("choose 1–{count}", "… and {count} more", "Fix 2 of {count}").
COUNT_OF_NO_NOUN = {"no_such_choice", "scan_more", "ask_again_number", "no_match", "fix_one_of"}


def test_a_counted_sentence_has_exactly_the_plural_forms_its_language_needs():
    """CLDR plural categories (Babel): English one/other, Chinese other only (a plain sentence); each form counts."""
    for table in TABLES.values():
        for key, entry in table.items():
            for lang, text in entry.items():
                if isinstance(text, dict):
                    assert set(text) == messages.plural_categories(lang), (key, lang)
                    assert all("{count}" in form for form in text.values()), (key, lang)
                elif key not in COUNT_OF_NO_NOUN:  # a language with one category says a count in one sentence
                    assert messages.plural_categories(lang) == {"other"} or "{count}" not in text, (key, lang)


def test_counted_nouns_are_catalogue_entries_counted_by_count():
    for table in TABLES.values():
        for key, entry in table.items():
            for text in entry.values():
                for noun in _nouns(text):
                    assert noun in messages.MESSAGES and _fields(messages.MESSAGES[noun]["en"]) == {"count"}, (key, noun)


def test_no_english_sentence_hedges_its_plural():
    hedged = [key for table in TABLES.values() for key, entry in table.items()
              if any(re.search(r"\w\(s\)|\b1 \w+s\b", form) for form in _forms(entry["en"]))]
    assert hedged == []


@pytest.mark.parametrize(("count", "said"), [(0, "0 entries"), (1, "1 entry"), (2, "2 entries")])
def test_counts_pick_their_form(count, said):
    assert messages.say("toolbar_entries", "en", count=count) == said
    assert messages.say("toolbar_entries", "zh", count=count) == f"{count} 条"
    workloads = messages.say("scan_summary", "en", findings=1, groups=count, objects=1, seconds=1)
    assert workloads.startswith(f"1 finding in {count} workload{'' if count == 1 else 's'}; 1 object read")


def test_the_catalogue_speaks_the_typed_languages():
    assert set(messages.LANGUAGE_NAMES) == LANGUAGES and messages.LANGUAGE_NAMES["zh"] == "Simplified Chinese"


def test_an_unknown_language_is_said_in_english():
    assert messages.language("fr") == messages.language(None) == "en" and messages.language("zh") == "zh"
    assert messages.say("cancelled", "fr") == messages.say("cancelled", "en") == "OK, cancelled."  # type: ignore[arg-type]
    assert messages.suggest_label("logs", "de", name="cart") == "Show the logs of cart"  # type: ignore[arg-type]


def test_chinese_is_said_in_chinese():
    assert messages.say("cancelled", "zh") == "好的，已取消。"


def test_no_module_outside_the_catalogue_says_chinese_of_its_own():
    found = {}
    for module, tree in _modules().items():
        if module == CATALOGUE or module in INPUT_VOCABULARY:
            continue
        allowed = QUOTED_INPUT.get(module, set())
        words = {w for text in _strings(tree) for w in HAN.findall(text)} - allowed
        if words:
            found[module] = sorted(words)
    assert found == {}


def test_no_module_outside_the_catalogue_picks_its_words_by_language():
    """``"Problems" if lang == "en" else "问题"`` is a second catalogue; ``messages.language()`` normalises a code."""
    found = []
    for module, tree in _modules().items():
        if module == CATALOGUE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Constant) and s.value in LANGUAGES for s in sides):
                    found.append(f"{module}:{node.lineno}")
    assert found == []
