"""Durable jobs: types, queue, runner, schedules, and their API."""
