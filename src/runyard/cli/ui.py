"""``runyard ui`` (the embedded store) and ``runyard server`` (any store): serve the web app.

The socket is bound before anything heavy is imported and the URL is printed at
once: a browser (or test) connecting early just waits in the listen backlog.

``runyard server`` (``team=True``) is strict instead: before binding it checks that
the SQL schema is exactly this code's (never creating or upgrading it; see
:mod:`runyard.store.sql.revision`), opens the blob store and checks it (the bucket
exists), and exits with a message naming the fix when any of that fails. A team
server that starts is one that can serve.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["serve"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"runyard: cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


_SQL_SCHEMES = ("sqlite", "postgresql", "postgres")


def _team_app(
    store_uri: str | None,
    blobs_uri: str | None,
    s3_endpoint_url: str | None,
    auth: Any = True,
    presign: bool = True,
    hosts: Any = None,
) -> Any:
    """Open and check the team server's stores, then build its app (``SystemExit`` if unusable)."""
    from runyard.blobs.registry import open_blobs
    from runyard.errors import StoreError
    from runyard.settings import Settings
    from runyard.store.registry import shared_store
    from runyard.store.sql.revision import require_current_schema, shown_uri

    settings = Settings.from_env()
    store_uri = store_uri or settings.local_store_uri
    blobs_uri = blobs_uri or settings.blobs_uri
    try:
        if store_uri.split(":", 1)[0].split("+", 1)[0] in _SQL_SCHEMES:
            require_current_schema(store_uri)
        store = shared_store(store_uri)
    except (StoreError, ValueError) as exc:
        raise SystemExit(f"runyard: {exc}") from None
    try:
        blobs = open_blobs(
            blobs_uri,
            s3_endpoint_url=s3_endpoint_url or settings.s3_endpoint_url,
            s3_presign=presign,
        )
        blobs.check()
    except (ImportError, OSError, ValueError) as exc:
        raise SystemExit(f"runyard: blob store {blobs_uri!r}: {exc}") from None
    print(f"runyard: store {shown_uri(store_uri)}, blobs {blobs.uri}", file=sys.stderr)
    if blobs.uri.startswith("file://") and not store_uri.startswith("sqlite:"):
        print(
            f"runyard: note: blobs in {blobs.uri} are on this machine only; replicas on "
            "other machines need a shared bucket (--blobs s3://bucket/prefix)",
            file=sys.stderr,
        )
    return _app(store, blobs, settings, auth, hosts)


def _app(store: Any, blobs: Any, settings: Any, auth: Any = None, hosts: Any = None) -> Any:
    """The app; ``RUNYARD_MAX_UPLOAD_BYTES`` above the large-body limit raises that too.

    File uploads are large-body routes, so the body-size middleware must let
    them through before the route applies its own limit; raising the upload limit
    therefore raises the ingest limit with it (both need an authenticated writer).
    """
    from runyard.server.app import create_app
    from runyard.server.limits import Limits

    limits = Limits()
    if settings.max_upload_bytes > limits.large_body_bytes:
        limits = Limits(large_body_bytes=settings.max_upload_bytes)
    app = create_app(store, blobs, auth=auth, limits=limits, hosts=hosts)
    app.state.max_upload_bytes = settings.max_upload_bytes
    return app


def _team_auth(auth: bool, secure_cookies: bool) -> Any:
    """``runyard server``'s auth: accounts in the store (``--secure-cookies`` marks the
    login cookie Secure), or none with ``--no-auth`` and a warning."""
    if not auth:
        print(
            "runyard: WARNING: --no-auth: anyone who can reach this server may read and "
            "write every project; use it only on a trusted network",
            file=sys.stderr,
        )
        return None
    if not secure_cookies:
        return True
    from runyard.server.auth.install import secure_auth

    return secure_auth


def _read_only(store_uri: str) -> bool:
    """An embedded store this process cannot write (``chmod -w``, a read-only mount)."""
    if not store_uri.startswith("sqlite:///"):
        return False
    from runyard.store.sql.db import read_only_file

    return read_only_file(store_uri.removeprefix("sqlite:///"))


def _describe_local_store(store_uri: str | None) -> None:
    """``runyard ui``: which store it serves, and the offline runs that are not in it
    (``WANDB_MODE=offline`` on a cluster leaves them in ``RUNYARD_DIR/offline``) with
    the command that brings them in."""
    import shlex

    from runyard.cli.sync import waiting_offline
    from runyard.settings import Settings, display_uri

    settings = Settings.from_env()
    served = store_uri or settings.local_store_uri
    shown = display_uri(served)
    print(f"runyard: serving the store {shown} (RUNYARD_DIR {settings.root_dir})", file=sys.stderr)
    waiting = waiting_offline(settings, served)
    if not waiting:
        return
    runs = "1 offline run is" if len(waiting) == 1 else f"{len(waiting)} offline runs are"
    if settings.store_uri == served:
        how = "`runyard sync`"
    else:  # plain `runyard sync` sends them to the server this machine logs in to
        how = (
            f"`runyard sync --store {shlex.quote(shown)}` "
            f"(or `runyard sync` to send them to {display_uri(settings.store_uri)})"
        )
    print(
        f"runyard: {runs} waiting in {settings.offline_dir}, not in this store: "
        f"bring them in with {how}",
        file=sys.stderr,
    )


def serve(
    host: str,
    port: int,
    store_uri: str | None = None,
    blobs_uri: str | None = None,
    open_browser: bool = False,
    recover: bool = True,
    *,
    team: bool = False,
    s3_endpoint_url: str | None = None,
    presign: bool = True,
    auth: bool = True,
    secure_cookies: bool = False,
    allowed_hosts: Sequence[str] = (),
) -> int:
    """Serve the API and web app until interrupted; ``port=0`` picks a free port.

    ``team=True`` is ``runyard server``: stores checked before the socket is bound,
    and accounts on unless ``auth=False`` (``--no-auth``); ``runyard ui`` has none.
    Either answers only for the host names it serves (see
    :mod:`runyard.server.origin`): loopback names, IP addresses, ``host`` and
    ``allowed_hosts`` (plus ``RUNYARD_ALLOWED_HOSTS``).
    """
    from runyard.server.origin import RequestGuard, served_hosts
    from runyard.settings import Settings

    hosts = served_hosts(host, [*Settings.from_env().allowed_hosts, *allowed_hosts])
    team_auth = _team_auth(auth, secure_cookies) if team else None
    team_app = None
    if team:
        team_app = _team_app(store_uri, blobs_uri, s3_endpoint_url, team_auth, presign, hosts)
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    print(f"Runyard UI: {url}", flush=True)
    if not team:
        _describe_local_store(store_uri)

    import uvicorn

    from runyard.server.lazy import LazyApp
    from runyard.server.static import STATIC_DIR

    def build() -> Any:
        if team_app is not None:
            return team_app
        from runyard.blobs.registry import open_blobs
        from runyard.settings import Settings
        from runyard.store.registry import shared_store

        settings = Settings.from_env()
        store = shared_store(store_uri or settings.local_store_uri)
        if recover and _read_only(store.uri):
            print(
                f"runyard: the store {store.uri} is read-only here: serving it as it is "
                "(runs still in journals are not replayed into it)",
                file=sys.stderr,
            )
        elif recover:
            from runyard.journal.replay import recover_journals

            recover_journals(settings.journal_dir_for(store.uri), store)
        blobs = open_blobs(
            blobs_uri or settings.blobs_uri,
            s3_endpoint_url=s3_endpoint_url or settings.s3_endpoint_url,
        )
        return _app(store, blobs, settings, hosts=hosts)

    # The guard outside LazyApp covers the web app served while the API imports.
    app = RequestGuard(LazyApp(build, STATIC_DIR), hosts)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("runyard: server stopped", file=sys.stderr)
    return 0
