"""The demo: a deterministic dataset of a fictional product (dataset, builder, people, texts),
its loader through the real import job (loader), the past it replays (history), and the
synthetic populations that tests and bench measure identity matching on (synthetic)."""

from demo.dataset import DEFAULT_NOW, generate, write_jsonl

__all__ = ["DEFAULT_NOW", "generate", "write_jsonl"]
