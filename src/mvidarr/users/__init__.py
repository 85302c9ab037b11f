"""User accounts, managed by admins."""
