"""Slots are typed: each intent needs members of ``Slot``, each member has its filler, and a pending request's
``filled`` holds slot values only (what the filler reads on the way lives in typed fields, not magic keys)."""

from __future__ import annotations

from kubecopilot.dialogue.registry import Slot, registry
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.slots import SlotFiller
from kubecopilot.testing.apps import app_for


def test_every_needed_slot_is_a_slot_with_a_filler():
    filler = SlotFiller(gateway=None, session=Session())  # type: ignore[arg-type]  # no call is made
    needed = {need.slot for intent in registry().intents.values() for need in intent.slots}
    assert needed <= set(Slot)
    assert all(callable(filler._filler(slot)) for slot in Slot)


def test_a_pending_request_holds_only_slot_values(sandbox):
    with app_for(sandbox) as app:
        turn = app.conversation.handle("set the image of report-worker in dev")
        pending = app.conversation.session.pending
        assert turn.kind == "ask" and pending is not None
        assert pending.slot == Slot.IMAGE  # the single container was taken; the image is asked for
        assert set(pending.filled) <= set(Slot)
        assert pending.target_object is not None and pending.target_object["metadata"]["name"] == "report-worker"
