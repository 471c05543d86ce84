"""analyzers.yaml is checked when loaded: a typo in a check, fix, category or severity, or a missing text, is a
ConfigError naming the analyzer, not a scan that silently skips it."""

from __future__ import annotations

import pytest
import yaml

from kubecopilot.diagnosis.scan import ANALYZER_FILE, load_analyzers
from kubecopilot.errors import ConfigError


def test_the_shipped_file_loads_and_names_every_kind_it_reads():
    analyzers = load_analyzers()
    assert len({a.id for a in analyzers}) == len(analyzers) >= 19
    assert all(a.needs for a in analyzers)


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
