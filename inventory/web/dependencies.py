"""What Litestar's dependency injection gives a handler that names it as a parameter:
`settings: ProcessSettings` (the process's, from the environment or the caller of
create_app) and `installation: Installation` (the same with the set-up page's values filled
in: tag prefix, public address...; read from the database only for the handlers that ask)."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from inventory.core.settings import Settings
from inventory.setup.service import effective

ProcessSettings = NamedDependency[Settings]
Installation = NamedDependency[Settings]


async def installation(settings: ProcessSettings) -> Settings:
    return await effective(settings)


def settings_dependencies(settings: Settings) -> dict[str, Provide]:
    def provide_settings() -> Settings:
        return settings

    return {"settings": Provide(provide_settings, use_cache=True, sync_to_thread=False),
            "installation": Provide(installation)}
