"""analyzers.yaml is checked when loaded: a typo in a check, fix, category or severity, or a missing text, is a
ConfigError naming the analyzer, not a scan that silently skips it."""

from __future__ import annotations

import re

import pytest
import yaml

from kubecopilot.diagnosis.scan import ANALYZER_FILE, load_analyzers
from kubecopilot.errors import ConfigError

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_shipped_file_loads_and_names_every_kind_it_reads():
    analyzers = load_analyzers()
    assert len({a.id for a in analyzers}) == len(analyzers) >= 19
    assert all(a.needs for a in analyzers)


def test_every_analyzer_says_its_prose_in_chinese_too():
    """A missing Chinese text falls back to English mid-answer; only follow_up (a kubectl command) is shared."""
    for analyzer in load_analyzers():
        english = {k for k, v in analyzer.text.items() if isinstance(v, str)}
        prose = {k for k in english - {"follow_up"} if not re.fullmatch(r"\{\w+\}", analyzer.text[k])}
        chinese = analyzer.text.get("zh") or {}
        assert prose <= set(chinese) <= english, analyzer.id
        assert all(HAN.search(chinese[k]) for k in prose), analyzer.id


def test_an_analyzers_texts_are_its_languages_own_else_english():
    analyzer = next(a for a in load_analyzers() if a.id == "pvc_pending")
    english, chinese = analyzer.texts("en"), analyzer.texts("zh")
    assert analyzer.texts("fr") == english and "zh" not in english
    assert HAN.search(chinese["summary"]) and chinese["follow_up"] == english["follow_up"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("check", "moon_phase", "unknown check 'moon_phase'"),
    ("fix", "delete_everything", "unknown fix 'delete_everything'"),
    ("category", "Vibes", "unknown category 'Vibes'"),
    ("severity", "catastrophic", "unknown severity 'catastrophic'"),
    ("text", {"summary": "x"}, "texts missing: explanation, follow_up, manual_fix"),
])
def test_a_broken_analyzer_is_a_config_error(tmp_path, field, value, message):
    data = yaml.safe_load(ANALYZER_FILE.read_text(encoding="utf-8"))
    data["analyzers"][3][field] = value
    path = tmp_path / "analyzers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_analyzers(path)


def test_every_phrase_is_said_in_every_language_with_the_same_values():
    import string

    from kubecopilot.diagnosis.scan import load_phrases

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    phrases = load_phrases()
    assert {"none_ready", "scaled_to_zero", "latest_event", "no_events"} <= set(phrases)
    for key, entry in phrases.items():
        assert set(entry) == {"en", "zh"} and HAN.search(entry["zh"]), key
        assert fields(entry["en"]) == fields(entry["zh"]), key
