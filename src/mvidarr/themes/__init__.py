"""Themes: the built-in colour sets, custom themes as JSON, and the contrast rules they must meet."""
