"""Identity and access: sign-in, tokens, API keys, roles on every route, browser hardening."""
