"""ガイドラインQA: question answering over Japan's AI governance guidelines."""

__version__ = "0.1.0"
