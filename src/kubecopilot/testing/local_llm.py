"""The local model server that ``benchmarks/local_llm.sh`` starts (llama.cpp's ``llama-server`` on 127.0.0.1).

Found by asking it, never assumed: ``find_local_model()`` is None unless a server answers ``/health`` and names its
model in ``/v1/models``. The ``live_local`` test tier and the benchmarks use it to run against a real model.
"""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass

DEFAULT_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class LocalModel:
    url: str  # the server, e.g. http://127.0.0.1:8080
    model: str  # the name it serves (llama-server's --alias)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def settings(self) -> dict[str, object]:
        """Dotted settings overrides (``load_settings``) that point KubeCopilot at this server."""
        return {"offline": False, "llm.model": f"openai/{self.model}", "llm.base_url": self.base_url,
                "llm.api_key": "sk-local-no-key"}

    def env(self) -> dict[str, str]:
        return {"KUBECOPILOT_MODEL": f"openai/{self.model}", "KUBECOPILOT_LLM_BASE_URL": self.base_url,
                "KUBECOPILOT_LLM_API_KEY": "sk-local-no-key"}


def find_local_model(url: str | None = None, timeout: float = 2.0) -> LocalModel | None:
    """The server at ``url`` (default ``KUBECOPILOT_LOCAL_URL`` or 127.0.0.1:8080) if it is up and serving a model."""
    url = (url or os.environ.get("KUBECOPILOT_LOCAL_URL") or DEFAULT_URL).rstrip("/")
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout):
            pass
        with urllib.request.urlopen(f"{url}/v1/models", timeout=timeout) as response:
            models = json.loads(response.read()).get("data") or []
    except (OSError, ValueError):
        return None
    return LocalModel(url=url, model=str(models[0]["id"])) if models else None
