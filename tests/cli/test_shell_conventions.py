"""What a shell and a script expect of a command line tool: completion, XDG directories, log levels and a log file,
a fast ``--version``, and a name of its own on the MCP wire."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubecopilot import __version__
from kubecopilot.cli import main
from kubecopilot.config import config_home, data_home, load_settings
from kubecopilot.tools.client import MCPClient, MCPTarget

KUBECOPILOT = [sys.executable, "-m", "kubecopilot"]


def complete(line: str, tmp_path: Path) -> list[str]:
    """What the shell gets when Tab is pressed at the end of ``line`` (argcomplete's protocol, as the script runs it)."""
    out = tmp_path / "completions"
    env = {**os.environ, "_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": "\n", "COMP_LINE": line,
           "COMP_POINT": str(len(line)), "_ARGCOMPLETE_STDOUT_FILENAME": str(out)}
    subprocess.run(KUBECOPILOT, env=env, check=True, timeout=60, capture_output=True)
    return [word.strip() for word in out.read_text().split("\n") if word.strip()]


# --- completion -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_for_each_shell(capsys, shell):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "kubecopilot" in script and "_ARGCOMPLETE" in script
    if shell == "fish":
        assert "complete --command kubecopilot" in script
    else:
        assert "complete " in script and "-F _python_argcomplete" in script


def test_tab_completes_commands_subcommands_and_choices(tmp_path):
    assert complete("kubecopilot au", tmp_path) == ["audit"]
    assert set(complete("kubecopilot audit ", tmp_path)) >= {"list", "verify"}
    assert complete("kubecopilot ask hi --output ", tmp_path) == ["text", "json", "yaml"]
    assert {"bash", "zsh", "fish"} <= set(complete("kubecopilot completion ", tmp_path))
    assert complete("kubecopilot completion z", tmp_path) == ["zsh"]


# --- XDG -------------------------------------------------------------------------------------------------------


def test_xdg_config_and_data_homes_are_honoured_unless_kubecopilot_home_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("KUBECOPILOT_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert config_home() == tmp_path / "cfg" / "kubecopilot"
    assert data_home() == tmp_path / "data" / "kubecopilot"
    (tmp_path / "cfg" / "kubecopilot").mkdir(parents=True)
    (tmp_path / "cfg" / "kubecopilot" / "config.yaml").write_text("llm: {turn_deadline: 7}\n")
    assert load_settings().llm.turn_deadline == 7  # the file there is the one read
    monkeypatch.setenv("KUBECOPILOT_HOME", str(tmp_path / "kc"))
    assert config_home() == data_home() == tmp_path / "kc"
    monkeypatch.delenv("KUBECOPILOT_HOME")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_home() == Path.home() / ".config" / "kubecopilot"


# --- logging ---------------------------------------------------------------------------------------------------


def log_everything() -> None:
    logging.getLogger("kubecopilot.tools.gateway").debug("our debug line")
    logging.getLogger("kubecopilot.tools.gateway").info("our info line")
    logging.getLogger("kubecopilot.tools.gateway").warning("our warning line")
    logging.getLogger("httpcore.connection").debug("library debug line")
    logging.getLogger("httpx").warning("library warning line")
    logging.getLogger("mcp.client.sse").debug("mcp transport line")  # quiet by default (tools.client), not at -vv


@pytest.mark.parametrize(("flags", "shown", "hidden"), [
    ([], {"our warning line"}, {"our info line", "our debug line", "library debug line", "library warning line"}),
    (["-v"], {"our warning line", "our info line", "library warning line"}, {"our debug line", "library debug line"}),
    (["-vv"], {"our debug line", "our info line", "library debug line", "library warning line", "mcp transport line"},
     set()),
])
def test_verbosity_levels_keep_library_noise_for_the_highest(capsys, flags, shown, hidden):
    assert main(["config", "path", *flags]) == 0
    capsys.readouterr()
    log_everything()
    err = capsys.readouterr().err
    assert all(line in err for line in shown), err
    assert not any(line in err for line in hidden), err


def test_a_log_file_gets_everything_at_debug_with_secrets_masked(capsys, monkeypatch, tmp_path):
    secret = "sk-or-v1-" + "a1b2c3d4" * 6
    monkeypatch.setenv("OPENROUTER_API_KEY", secret)
    log = tmp_path / "logs" / "kc.log"
    assert main(["config", "path", "--log-file", str(log)]) == 0
    log_everything()
    logging.getLogger("kubecopilot.llm").error("provider said: bad key %s", secret)
    err, written = capsys.readouterr().err, log.read_text(encoding="utf-8")
    for line in ("our debug line", "library debug line", "library warning line", "mcp transport line",
                 "provider said: bad key ***"):
        assert line in written, written
    assert secret not in written and secret not in err
    assert "our debug line" not in err  # the terminal keeps its own (default) level


def test_the_log_file_setting_works_as_the_flag(capsys, monkeypatch, tmp_path):
    log = tmp_path / "kc.log"
    monkeypatch.setenv("KUBECOPILOT_LOG_FILE", str(log))
    assert main(["config", "path"]) == 0
    logging.getLogger("kubecopilot.x").debug("from the setting")
    assert "from the setting" in log.read_text(encoding="utf-8")


# --- --version, the MCP client's name ------------------------------------------------------------------------------


def test_version_loads_neither_pydantic_nor_yaml_nor_a_command():
    code = ("import sys; sys.argv = ['kubecopilot', '--version']; from kubecopilot.cli import main; main(); "
            "print(sorted(m for m in ('pydantic', 'yaml', 'rich', 'kubecopilot.commands', 'kubecopilot.config') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.splitlines() == [f"kubecopilot {__version__}", "[]"]


WHOAMI_SERVER = """
from mcp.server.fastmcp import Context, FastMCP

server = FastMCP("whoami", log_level="WARNING")


@server.tool()
def whoami(ctx: Context) -> str:
    info = ctx.session.client_params.clientInfo if ctx.session.client_params else None
    return f"{info.name} {info.version}" if info else "?"


server.run("stdio")
"""


def test_the_mcp_server_sees_kubecopilot_and_its_version(tmp_path):
    script = tmp_path / "whoami.py"
    script.write_text(WHOAMI_SERVER, encoding="utf-8")
    client = MCPClient(MCPTarget(transport="stdio", command=(sys.executable, str(script))), connect_timeout=30,
                       call_timeout=30)
    client.connect()
    try:
        assert client.call_tool("whoami").text == f"kubecopilot {__version__}"
    finally:
        client.close()


def test_the_package_says_what_it_is_license_urls_classifiers_and_types():
    import tomllib
    from importlib.resources import files

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (root / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(project["urls"])
    assert "Typing :: Typed" in project["classifiers"] and "Environment :: Console" in project["classifiers"]
    assert files("kubecopilot").joinpath("py.typed").is_file()  # PEP 561: type checkers read our annotations


def test_v_says_what_the_command_runs_against_and_how_it_ended(capsys):
    assert main(["config", "path", "-v"]) == 0
    err = capsys.readouterr().err
    assert "kubecopilot.cli: config: server the built-in sandbox · model none" in err
    assert "kubecopilot.cli: config: exit 0" in err
    assert main(["config", "path"]) == 0 and "kubecopilot.cli" not in capsys.readouterr().err
