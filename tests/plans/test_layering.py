"""The plan domain stays free of terminal and agent libraries (architecture: "Layers and who may import what")."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_plan_domain_pulls_in_no_ui_or_agent_library():
    code = ("import sys, kubecopilot.plans, kubecopilot.plans.service, kubecopilot.plans.executor; "
            "print(sorted(m for m in ('rich', 'prompt_toolkit', 'crewai', 'litellm', 'kubecopilot.tools') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
