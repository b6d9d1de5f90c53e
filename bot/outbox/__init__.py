"""The outbox: sending queued messages with retries and rate limits."""
