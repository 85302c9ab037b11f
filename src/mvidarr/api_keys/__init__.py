"""API keys: programs authenticate with `X-Api-Key` as their owner, capped at the key's role."""
