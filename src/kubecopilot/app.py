"""The composition root: settings → (sandbox) → gateway → plan service → conversation (+ crew when an LLM is set).

The REPL and the one-shot commands open an ``App`` and close it; nothing else wires parts together. crewAI is not
imported here: the brain builds the crew on first use (or when the REPL warms it up in the background).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubecopilot.config import Settings
from kubecopilot.dialogue.engine import Conversation
from kubecopilot.dialogue.sanitizer import Sanitizer
from kubecopilot.dialogue.session import Session
from kubecopilot.plans.policy import FourEyesPolicy
from kubecopilot.plans.service import PlanService
from kubecopilot.plans.trust import trust_config
from kubecopilot.tools.factory import connect_gateway
from kubecopilot.tools.gateway import ToolGateway
from kubecopilot.tools.ops import ClusterOps


class LazyLedger:
    """The audit ledger, opened on first use: SQLAlchemy costs a quarter second, and the REPL's prompt should not
    wait for it. Every attribute is the real ``AuditLedger``'s."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ledger: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._ledger is None:
                from kubecopilot.plans.ledger import AuditLedger

                self._ledger = AuditLedger(self.url)
        return getattr(self._ledger, name)


@dataclass
class App:
    settings: Settings
    gateway: ToolGateway
    plans: PlanService
    conversation: Conversation
    sanitizer: Sanitizer
    brain: Any = None
    sandbox: Any = None  # the sandbox child process we started, if any
    mcp_url: str = ""
    llm_reason: str = ""

    @classmethod
    def open(cls, settings: Settings, *, on_notice: Callable[[str], None] | None = None,
             progress: Callable[[str], None] | None = None, brain: Any = None, sandbox: Any = None) -> App:
        """Connect everything. With no MCP server configured, use ``sandbox`` (a ``spawn_sandbox`` process the
        caller started early) or start the built-in sandbox as a child process. The App owns it from here on."""
        url = settings.mcp.url
        if sandbox is None and url is None and not settings.mcp.command:
            from kubecopilot.sandbox.runner import spawn_sandbox

            sandbox = spawn_sandbox(scenario=settings.sandbox_scenario)
        if sandbox is not None:
            url = sandbox.url
        try:
            gateway = connect_gateway(settings, url=url, on_notice=on_notice)
        except BaseException:
            if sandbox is not None:
                sandbox.stop()
            raise
        app = cls.assemble(settings, gateway, progress=progress, brain=brain)
        app.sandbox, app.mcp_url = sandbox, url or " ".join(settings.mcp.command or [])
        return app

    @classmethod
    def assemble(cls, settings: Settings, gateway: ToolGateway, *, progress: Callable[[str], None] | None = None,
                 brain: Any = None) -> App:
        """Everything above the gateway (tests hand in a gateway to a sandbox they run in-process)."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ledger = LazyLedger(settings.audit_url)
        plans = PlanService(ClusterOps(gateway), ledger, gateway.approvals, whitelist=settings.plans.whitelist,
                            user=settings.user, verify_timeout=settings.plans.verify_timeout,
                            policy=FourEyesPolicy.of(settings.plans.four_eyes_rules()),
                            pending_ttl=settings.plans.pending_ttl, trust=trust_config(settings),
                            write_settle=settings.plans.write_settle)
        sanitizer = Sanitizer.from_settings(settings.redaction)
        usable, reason = settings.llm_status()
        if brain is None and usable:
            from kubecopilot.crew.brain import CrewBrain  # cheap: crewAI itself loads on first use

            brain = CrewBrain(settings, gateway, sanitizer)
        session = Session(cluster=settings.session.cluster, namespace=settings.session.namespace)
        conversation = Conversation(gateway, plans, session=session, brain=brain, progress=progress,
                                    turn_deadline=settings.llm.turn_deadline)
        return cls(settings=settings, gateway=gateway, plans=plans, conversation=conversation, sanitizer=sanitizer,
                   brain=brain, llm_reason=reason)

    @property
    def offline(self) -> bool:
        return self.brain is None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.gateway.close()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
