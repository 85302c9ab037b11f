from tests.jobs.conftest import clock, runner, settings

__all__ = ["clock", "runner", "settings"]
