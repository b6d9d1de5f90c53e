"""Conversation scripts (``quita test conversations``): the runner and its expectations."""
