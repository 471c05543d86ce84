"""What the programs inside the sandbox's images need and print (``scenarios/apps.yaml``).

A pod's status is computed from its spec and these profiles (see ``rules.py``): a known repository with an
unknown tag cannot be pulled, an app whose memory need exceeds its limit is OOM-killed, an app that reads its
config file from an env var crashes when the file is not mounted, a probe on a path the app does not serve fails.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubecopilot.resources import read_yaml
from kubecopilot.sandbox.quantity import mebibytes, millicores

APPS_FILE = Path(__file__).with_name("scenarios") / "apps.yaml"


@dataclass(frozen=True)
class AppProfile:
    repository: str
    cpu_m: int = 5
    memory_mi: int = 24
    serves: tuple[str, ...] | None = None  # HTTP paths answering 200; None: any path does
    config_env: str | None = None  # env var naming the config file the app must read at start
    config_default: str | None = None
    batch: bool = False  # runs to completion (exit 0) instead of serving
    timestamp: str = "iso"  # "iso": lines get an RFC 3339 prefix; "none": the template carries its own
    startup: tuple[str, ...] = ()
    lines: tuple[str, ...] = ("INFO  {container} is running",)
    config_missing: tuple[str, ...] = ()
    oom: tuple[str, ...] = ()
    finish: tuple[str, ...] = ()


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str

    @classmethod
    def parse(cls, image: str) -> Image:
        name = image.split("@", 1)[0]
        last = name.rsplit("/", 1)[-1]
        if ":" in last:
            name, tag = name.rsplit(":", 1)
            return cls(name, tag)
        return cls(name, "latest")

    @property
    def reference(self) -> str:
        """The fully qualified name containerd reports (``docker.io/library/nginx:1.27``)."""
        first = self.repository.split("/", 1)[0]
        if "." in first or ":" in first or first == "localhost":
            return f"{self.repository}:{self.tag}"
        path = self.repository if "/" in self.repository else f"library/{self.repository}"
        return f"docker.io/{path}:{self.tag}"


@dataclass
class Catalog:
    registry: dict[str, frozenset[str]] = field(default_factory=dict)
    apps: dict[str, AppProfile] = field(default_factory=dict)

    @classmethod
    @functools.lru_cache(maxsize=4)
    def load(cls, path: Path = APPS_FILE) -> Catalog:
        """Parsed once per process; the catalogue is read-only."""
        data = read_yaml(path)
        registry = {repo: frozenset(str(t) for t in tags) for repo, tags in data["registry"].items()}
        apps = {repo: _profile(repo, spec) for repo, spec in data["apps"].items()}
        return cls(registry, apps)

    def profile(self, image: str) -> AppProfile:
        repo = Image.parse(image).repository
        return self.apps.get(repo) or AppProfile(repository=repo)

    def pull_error(self, image: str) -> str | None:
        """Why the image cannot be pulled, worded like containerd; None when it can.

        Repositories the registry does not list stand for public images and always pull.
        """
        parsed = Image.parse(image)
        tags = self.registry.get(parsed.repository)
        if tags is None or parsed.tag in tags or "@" in image:
            return None
        ref = parsed.reference
        return (
            f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
            f'failed to resolve reference "{ref}": {ref}: not found'
        )

    def tags(self, image: str) -> list[str]:
        return sorted(self.registry.get(Image.parse(image).repository, ()))


def _profile(repo: str, spec: dict[str, Any]) -> AppProfile:
    def lines(key: str) -> tuple[str, ...]:
        return tuple(spec.get(key) or ())

    return AppProfile(
        repository=repo,
        cpu_m=millicores(spec.get("cpu", "5m")),
        memory_mi=mebibytes(spec.get("memory", "24Mi")),
        serves=tuple(spec["serves"]) if spec.get("serves") is not None else None,
        config_env=spec.get("config_env"),
        config_default=spec.get("config_default"),
        batch=bool(spec.get("batch", False)),
        timestamp=spec.get("timestamp", "iso"),
        startup=lines("startup"),
        lines=lines("lines") or AppProfile.lines,
        config_missing=lines("config_missing"),
        oom=lines("oom"),
        finish=lines("finish"),
    )
