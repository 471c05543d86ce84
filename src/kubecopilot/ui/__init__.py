"""Terminal adapters: rich rendering, the prompt-toolkit REPL and the approval prompt (imports rich lazily here)."""
