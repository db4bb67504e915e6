"""The API's routers, one per resource (packages, checks, webhooks, health)."""
