"""The composition root: settings → (sandbox) → gateway → plan service → conversation (+ crew when an LLM is set).

The REPL and the one-shot commands open an ``App`` and close it; nothing else wires parts together. crewAI is not
imported here: the brain builds the crew on first use (or when the REPL warms it up in the background).

Importing this module is cheap on purpose (the parts are imported when an App is assembled): the REPL imports it to
start the sandbox child before it pays for the rest (see ``kubecopilot.commands.repl.EarlySandbox``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from kubecopilot.config import Settings

if TYPE_CHECKING:
    from kubecopilot.dialogue.engine import Conversation
    from kubecopilot.dialogue.ports import Brain
    from kubecopilot.plans.ledger import AuditLedger
    from kubecopilot.plans.service import PlanService
    from kubecopilot.prompting.sanitizer import Sanitizer
    from kubecopilot.sandbox.runner import SandboxProcess
    from kubecopilot.tools.gateway import ToolGateway


class SandboxSource(Protocol):
    """A sandbox somebody started early (``commands.repl.EarlySandbox``): ``get`` waits until it listens."""

    def get(self) -> SandboxProcess: ...


def needs_sandbox(settings: Settings) -> bool:
    """No MCP server configured, and no kubeconfig to start one for: KubeCopilot runs on its built-in sandbox."""
    return settings.mcp.url is None and not settings.mcp.command and settings.mcp.kubeconfig is None


def with_launched_server(settings: Settings) -> Settings:
    """A kubeconfig but no server: the stdio command of a supported server started for it (``tools.launch``)."""
    mcp = settings.mcp
    if mcp.url is not None or mcp.command or mcp.kubeconfig is None:
        return settings
    from kubecopilot.tools.launch import launch_target

    target = launch_target(mcp.kubeconfig, mcp.context, allow_writes=mcp.server_writes, scratch=None)
    launched = mcp.model_copy(update={"transport": "stdio", "command": list(target.command), "env": dict(target.env)})
    return settings.model_copy(update={"mcp": launched})


def start_sandbox(settings: Settings) -> SandboxProcess:
    """The one way KubeCopilot starts its built-in sandbox: a child process on a free loopback port, stopped by
    ``App.close`` (and by the runner's exit hooks when the process dies another way)."""
    from kubecopilot.sandbox.runner import spawn_sandbox

    return spawn_sandbox(scenario=settings.sandbox_scenario)


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


def lazy_ledger(url: str) -> AuditLedger:
    """A ``LazyLedger`` where an ``AuditLedger`` is expected: it forwards every attribute to the real one, which a
    type checker cannot see through ``__getattr__``."""
    return cast("AuditLedger", LazyLedger(url))


@dataclass
class App:
    settings: Settings
    gateway: ToolGateway
    plans: PlanService
    conversation: Conversation
    sanitizer: Sanitizer
    brain: Brain | None = None
    sandbox: SandboxProcess | None = None  # the sandbox child process we started, if any
    mcp_url: str = ""
    llm_reason: str = ""

    @classmethod
    def open(cls, settings: Settings, *, on_notice: Callable[[str], None] | None = None,
             progress: Callable[[str], None] | None = None, brain: Brain | None = None,
             sandbox: SandboxSource | None = None) -> App:
        """Connect everything. With no MCP server configured, use ``sandbox`` (started early by the caller) or
        start the built-in sandbox now. The App owns the sandbox process from here on."""
        from kubecopilot.tools.factory import connect_gateway

        settings = with_launched_server(settings)
        process = sandbox.get() if sandbox is not None else start_sandbox(settings) if needs_sandbox(settings) else None
        url = process.url if process is not None else settings.mcp.url
        try:
            gateway = connect_gateway(settings, url=url, on_notice=on_notice)
        except BaseException:
            if process is not None:
                process.stop()
            raise
        app = cls.assemble(settings, gateway, progress=progress, brain=brain)
        app.sandbox, app.mcp_url = process, url or " ".join(settings.mcp.command or [])
        return app

    @classmethod
    def assemble(cls, settings: Settings, gateway: ToolGateway, *, progress: Callable[[str], None] | None = None,
                 brain: Brain | None = None) -> App:
        """Everything above the gateway (tests hand in a gateway to a sandbox they run in-process)."""
        from kubecopilot.dialogue.engine import Conversation
        from kubecopilot.dialogue.session import Session
        from kubecopilot.plans.policy import FourEyesPolicy
        from kubecopilot.plans.service import PlanService
        from kubecopilot.plans.trust import trust_config
        from kubecopilot.prompting.sanitizer import Sanitizer
        from kubecopilot.tools.ops import ClusterOps

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        plans = PlanService(ClusterOps(gateway), lazy_ledger(settings.audit_url), gateway.approvals,
                            whitelist=settings.plans.whitelist, user=settings.user,
                            verify_timeout=settings.plans.verify_timeout,
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
