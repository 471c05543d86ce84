"""analyzers.yaml is checked when loaded: a typo in a check, fix, category or severity, a key nothing reads, or a
missing text, is a ConfigError naming the analyzer, not a scan that silently skips it."""

from __future__ import annotations

import re

import pytest
import yaml

from kubecopilot.diagnosis.analyzers import ANALYZER_FILE, load_analyzers
from kubecopilot.diagnosis.scan import scan_analyzers
from kubecopilot.errors import ConfigError

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_shipped_file_loads_and_every_check_analyzer_names_the_kinds_it_reads():
    loaded = load_analyzers()
    assert len({a.id for a in loaded.analyzers}) == len(loaded.analyzers)
    assert len(scan_analyzers()) >= 19 and len(loaded.condition_analyzers) >= 10
    assert all(a.needs for a in scan_analyzers())


def test_every_analyzer_says_its_prose_in_chinese_too():
    """A missing Chinese text falls back to English mid-answer; only follow_up (a kubectl command) is shared."""
    for analyzer in load_analyzers().analyzers:
        english = analyzer.text.en.model_dump(exclude_none=True)
        prose = {k for k in set(english) - {"follow_up"} if not re.fullmatch(r"\{\w+\}", english[k])}
        chinese = analyzer.text.zh.model_dump(exclude_none=True)
        assert prose <= set(chinese) <= set(english), analyzer.id
        assert all(HAN.search(chinese[k]) for k in prose), analyzer.id


def test_an_analyzers_texts_are_its_languages_own_else_english():
    analyzer = next(a for a in load_analyzers().analyzers if a.id == "pvc_pending")
    english, chinese = analyzer.texts("en"), analyzer.texts("zh")
    assert analyzer.texts("fr") == english and "zh" not in english
    assert HAN.search(chinese["summary"]) and chinese["follow_up"] == english["follow_up"]


ANALYZER = "service_selector_matches_nothing"  # a check analyzer; the tests break one field of it


@pytest.mark.parametrize(("field", "value", "message"), [
    ("check", "moon_phase", f"analyzer {ANALYZER}: unknown check 'moon_phase'"),
    ("fix", "delete_everything", f"analyzer {ANALYZER}: unknown fix 'delete_everything'"),
    ("category", "Vibes", f"analyzer {ANALYZER}: category: Input should be"),
    ("severity", "catastrophic", f"analyzer {ANALYZER}: severity: Input should be"),
    ("severty", "high", f"analyzer {ANALYZER}: severty: Extra inputs are not permitted"),
    ("text", {"en": {"summary": "x", "root_cause": "y"}, "zh": {}}, f"analyzer {ANALYZER}: texts missing: follow_up, manual_fix"),
    ("when", {"pod_phase": ["Pending"]}, f"analyzer {ANALYZER}: entry: Value error, needs exactly one of `when`"),
])
def test_a_broken_analyzer_is_a_config_error(tmp_path, field, value, message):
    data = yaml.safe_load(ANALYZER_FILE.read_text(encoding="utf-8"))
    next(a for a in data["analyzers"] if a["id"] == ANALYZER)[field] = value
    path = tmp_path / "analyzers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        scan_analyzers.__wrapped__(path)


def test_every_phrase_is_said_in_every_language_with_the_same_values():
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    phrases = load_analyzers().phrases
    assert {"none_ready", "scaled_to_zero", "latest_event", "no_events"} <= set(phrases)
    for key, entry in phrases.items():
        assert set(entry) == {"en", "zh"} and HAN.search(entry["zh"]), key
        assert fields(entry["en"]) == fields(entry["zh"]), key
