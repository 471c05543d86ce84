"""What goes to a model, and how: the prompt registry (``prompts``), the model's inputs built from the session
(``context``), and the redaction gateway every text passes through first (``sanitizer``). No crewAI here: the crew
adapter reads these."""
