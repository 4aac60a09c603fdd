"""W&B's wire protocol, so the unchanged ``wandb`` client logs into Runyard.

Point ``WANDB_BASE_URL`` at a ``runyard server`` (or ``runyard ui``) and set a Runyard
API key as ``WANDB_API_KEY``: ``wandb.init``/``log``/``finish``, resume, ``wandb sync``
and ``wandb.Api`` reads then work against Runyard's store, through the same
``write_batch`` path as the Runyard SDK (see docs/wandb-client.md).

- :mod:`.routes`: ``POST /graphql``, ``POST /files/…/file_stream``, run file ``PUT``/``GET``
- :mod:`.graphql`: the selection-driven executor (why not a schema library: there)
- :mod:`.operations`, :mod:`.runs`: the fields wandb's client selects
- :mod:`.file_stream`: history, events, console, summary and run state
- :mod:`.liveness`: runs whose client went silent become ``crashed``
- :mod:`.files`, :mod:`.signing`: upload and download URLs
- :mod:`.translate`, :mod:`.ids`: wandb's shapes and ids ↔ Runyard's
"""

from __future__ import annotations

import hashlib

from fastapi import FastAPI

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Mount the wandb routes on ``app`` (after its auth is installed)."""
    from runyard.server.wandb.liveness import Liveness
    from runyard.server.wandb.routes import router
    from runyard.server.wandb.signing import Signer
    from runyard.settings import Settings

    store_uri = str(getattr(app.state.store, "uri", ""))
    local_secret = hashlib.sha256(b"runyard-wandb-urls\0" + store_uri.encode()).digest()

    def secret_of(kid: int) -> bytes | None:
        auth = app.state.auth
        if auth is None:
            return local_secret if kid == 0 else None
        if kid == 0:
            return None
        found = auth.accounts.key_hash(kid)
        return None if found is None else found.encode()

    app.state.wandb_signer = Signer(secret_of)
    app.state.wandb_local_secret = local_secret
    settings = Settings.from_env()
    app.state.wandb_local_entity = settings.entity
    app.state.wandb_liveness = Liveness(app.state.store, settings.wandb_timeout)
    app.include_router(router)
