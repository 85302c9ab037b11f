from typing import Any

import pytest

from tests.conftest import allow_private_hosts
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401


@pytest.fixture
async def app(app: Any) -> Any:
    """The app with loopback allowed by the network policy: the fake Lidarr is a local server."""
    await allow_private_hosts(app)
    return app
