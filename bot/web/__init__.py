"""The FastAPI app: webhooks, JSON API, agent console, manager dashboard, simulator."""
