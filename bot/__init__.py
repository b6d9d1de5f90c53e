"""Quita: a conversational collections assistant for store credit (crediário)."""

__version__ = "0.1.0"
