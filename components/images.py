"""Third-party images every target runs, pinned once so all targets move together."""

OLLAMA_IMAGE = "ollama/ollama:0.12.9"
MONGO_IMAGE = "mongo:8.0"
