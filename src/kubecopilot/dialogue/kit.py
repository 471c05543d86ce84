"""What handlers share during a turn (``Kit``): the ports and session, the reads, the flows and this turn's names."""

from __future__ import annotations

from dataclasses import dataclass

from kubecopilot.dialogue.flows import Flows
from kubecopilot.dialogue.inventory import Names
from kubecopilot.dialogue.ports import TurnContext
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.views import Views
from kubecopilot.messages import Language


@dataclass
class Kit:
    """The turn's context (``ctx``: ports, session, clock, progress, model calls), the read-only views, the
    multi-step flows, and the names of the cluster as this turn read them (set by the conversation each turn)."""

    ctx: TurnContext
    views: Views
    flows: Flows
    names: Names

    @property
    def session(self) -> Session:
        return self.ctx.session

    @property
    def lang(self) -> Language:
        return self.ctx.session.language
