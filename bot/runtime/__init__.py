"""The inbound pipeline, outbox sender, jobs, locks and de-duplication."""
