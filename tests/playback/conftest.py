from tests.media.conftest import clips

__all__ = ["clips"]
