"""Configuration precedence and secret masking."""

from __future__ import annotations

import json

import pytest

from kubecopilot.cli import main
from kubecopilot.config import load_settings
from kubecopilot.errors import ConfigError


def _write_config(tmp_path, monkeypatch, text: str):
    home = tmp_path / "cfg"
    home.mkdir()
    (home / "config.yaml").write_text(text)
    monkeypatch.setenv("KUBECOPILOT_HOME", str(home))


def test_defaults_start_the_sandbox_and_use_gemini():
    s = load_settings()
    assert s.mcp.url is None
    assert s.llm.model == "openrouter/google/gemini-2.5-flash"
    assert s.cache.ttl["pods"] == 30 and s.cache.ttl["clusters"] == 3600


def test_precedence_flag_over_env_over_dotenv_over_file(tmp_path, monkeypatch):
    _write_config(tmp_path, monkeypatch, "mcp:\n  url: http://file/sse\n  call_timeout: 5\nllm:\n  model: file/model\n")
    dotenv = tmp_path / ".env"
    dotenv.write_text("KUBECOPILOT_MCP_URL=http://dotenv/sse\nKUBECOPILOT_MODEL=dotenv/model\n")
    monkeypatch.setenv("KUBECOPILOT_MODEL", "env/model")
    s = load_settings({"mcp.url": None}, env_file=dotenv)
    assert s.mcp.url == "http://dotenv/sse"  # .env beats the file
    assert s.llm.model == "env/model"  # environment beats .env
    assert s.mcp.call_timeout == 5  # file beats defaults
    s = load_settings({"mcp.url": "http://flag/mcp"}, env_file=dotenv)
    assert s.mcp.url == "http://flag/mcp"  # flag beats everything


def test_llm_status_needs_the_providers_key(monkeypatch):
    assert load_settings().llm_status()[0] is False
    assert "OPENROUTER_API_KEY" in load_settings().llm_status()[1]
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test-123")
    assert load_settings().llm_status() == (True, "openrouter/google/gemini-2.5-flash")
    assert load_settings({"offline": True}).llm_status()[0] is False
    monkeypatch.setenv("KUBECOPILOT_MODEL", "ollama/qwen2.5")
    monkeypatch.delenv("OPENROUTER_API_KEY")
    assert load_settings().llm_status()[0] is True  # ollama needs no key


def test_bad_config_is_a_typed_error(tmp_path, monkeypatch):
    _write_config(tmp_path, monkeypatch, "mcp:\n  transport: carrier-pigeon\n")
    with pytest.raises(ConfigError, match="mcp.transport"):
        load_settings()


def test_config_show_masks_secrets(tmp_path, monkeypatch, capsys):
    _write_config(tmp_path, monkeypatch, "mcp:\n  headers:\n    Authorization: Bearer top-secret-token\n")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-very-secret")
    assert main(["config", "show", "--output", "json"]) == 0
    out = capsys.readouterr().out
    assert "top-secret-token" not in out and "very-secret" not in out
    data = json.loads(out)
    assert data["mcp"]["headers"] == {"Authorization": "***"}
    assert data["llm"]["api_key"] == "***"


def test_bad_config_exit_code(tmp_path, monkeypatch, capsys):
    _write_config(tmp_path, monkeypatch, "- not a mapping\n")
    assert main(["config", "show"]) == 78
    assert "must hold a mapping" in capsys.readouterr().err


def test_env_example_lists_every_variable():
    from pathlib import Path

    from kubecopilot.config import ENV_VARS, PROVIDER_KEYS

    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for var in [*ENV_VARS, "KUBECOPILOT_HOME", "OPENROUTER_API_KEY"]:
        assert f"# {var}=" in text, var
    assert set(PROVIDER_KEYS.values()) >= {"OPENROUTER_API_KEY"}


def test_a_model_request_never_outlives_its_turn():
    assert load_settings({}).llm.turn_deadline == 45 and load_settings({}).llm.timeout == 45
    settings = load_settings({"llm.turn_deadline": 10, "llm.timeout": 60})
    assert settings.llm.timeout == 10
    assert load_settings({"llm.timeout": 20}).llm.timeout == 20  # a shorter request timeout stays
