"""The REPL's bottom toolbar: cluster │ namespace │ model │ cache. Redrawn on every key press, so local data only."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.formatted_text import FormattedText

Fields = Callable[[], list[tuple[str, str]]]


def toolbar(fields: Fields) -> Callable[[], FormattedText]:
    """A prompt-toolkit ``bottom_toolbar`` callable showing ``label value`` pairs."""

    def render() -> FormattedText:
        parts: list[tuple[str, str]] = []
        for i, (label, value) in enumerate(fields()):
            if i:
                parts.append(("class:bottom-toolbar.sep", " │ "))
            parts.append(("class:bottom-toolbar.label", f"{label} "))
            parts.append(("class:bottom-toolbar.value", value))
        parts.append(("class:bottom-toolbar.sep", "  ·  /help"))
        return FormattedText(parts)

    return render
