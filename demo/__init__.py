"""The bundled demo dataset: deterministic mentions of a fictional product, for ``crm demo``."""

from demo.dataset import DEFAULT_NOW, generate, write_jsonl

__all__ = ["DEFAULT_NOW", "generate", "write_jsonl"]
