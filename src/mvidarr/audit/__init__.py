"""The audit log: an append-only trail of sign-ins, account, key and settings changes, deletions."""
