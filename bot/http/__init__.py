"""The HTTP side of the bot: OAuth callbacks, the health check, and (later) webhooks."""
