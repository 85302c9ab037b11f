"""Notifications: the event catalogue, its outbox, and the targets events are delivered to."""
