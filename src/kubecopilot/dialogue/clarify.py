""""Did you mean …?": when the rules are not sure (and no model decides), the nearest intents, numbered.

Never a guess acted on: the user picks one (a number, its name, "y" when only one is offered) or says something else,
which is a new request.
"""

from __future__ import annotations

from kubecopilot.dialogue.reading import Reading
from kubecopilot.dialogue.registry import intent_label
from kubecopilot.dialogue.session import PendingRequest
from kubecopilot.dialogue.turns import Ask, Option
from kubecopilot.messages import Language, say

INTENT_SLOT = "intent"  # the slot of "did you mean …?": the answer picks one of the nearest intents
MAX_OPTIONS = 4


def did_you_mean(reading: Reading, lang: Language) -> tuple[Ask, PendingRequest] | None:
    """The question and the pending request it opens; None when there is nothing near enough to offer."""
    req = reading.request
    if not reading.candidates:
        return None
    options = [Option(value=c, label=intent_label(c, lang, target=req.target, namespace=req.namespace))
               for c in reading.candidates[:MAX_OPTIONS]]
    pending = PendingRequest(request=req, filled={}, slot=INTENT_SLOT, options=options, full_options=list(options),
                             reading=reading)
    about = say("about_target", lang, target=req.target) if req.target else ""
    return Ask(question=say("ask_intent", lang, about=about), slot=INTENT_SLOT, options=options), pending
