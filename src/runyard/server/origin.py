"""Only our own pages and programs may use the API: Host, Origin and body-type checks.

Other web pages the user visits can make the browser send requests to the server
(``runyard ui`` on 127.0.0.1 has no accounts, so those requests act as the user):

- **Cross-site writes.** A page elsewhere can send a "simple" ``POST`` (a form, or
  ``fetch`` with ``text/plain``) without asking the server first (no CORS
  preflight). It cannot read the answer, but the write happens. So a write
  (``POST``/``PUT``/``PATCH``/``DELETE``) is refused with 403 when the browser says
  it comes from another origin (``Sec-Fetch-Site: cross-site``/``same-site``, or an
  ``Origin`` that is not this server's), and when its ``Content-Type`` is one a
  browser may send cross-site without a preflight (``text/plain``,
  ``application/x-www-form-urlencoded``, ``multipart/form-data``) unless it carries
  the ``X-Runyard-Client`` header (which no page of another origin can set without
  a preflight, and the server grants none). Every browser since 2019 sends
  ``Origin`` with a ``POST``; the body-type rule covers those that do not. Our
  clients send JSON, msgpack or octet-stream bodies, and the web app also sends
  the header.
- **DNS rebinding.** A page at ``http://evil.example:8765`` whose name is then
  re-pointed to 127.0.0.1 is same-origin with the UI, so the browser lets it read
  every answer. Its requests still say ``Host: evil.example:8765``, so requests are
  answered only for the host names the server serves (400 otherwise): IP literals
  (a page cannot be at an IP address and rebind it), ``localhost``, the bound host,
  the machine's names when bound to every interface, and names configured with
  ``--allowed-host`` / ``RUNYARD_ALLOWED_HOSTS`` (a reverse proxy's public name).

The team server with accounts gets the same checks: its login cookie also needs
the session's CSRF token on writes (:mod:`runyard.server.auth.caller`), while a
request with an API key is no CSRF vector (a browser never attaches one) but is
checked all the same: a program sends neither ``Origin`` nor ``Sec-Fetch-Site``.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from runyard.server.asgi import ASGIApp, Receive, Scope, Send

__all__ = [
    "CLIENT_HEADER",
    "LOOPBACK_NAMES",
    "HostNames",
    "RequestGuard",
    "served_hosts",
]

#: The header our own clients send; a page of another origin cannot add it to a
#: request without a CORS preflight, which this server never grants.
CLIENT_HEADER = "X-Runyard-Client"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Body types a browser sends cross-site without a preflight (Fetch standard's
#: "CORS-safelisted request-header" for Content-Type).
_SIMPLE_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
_WILDCARD_BINDS = ("", "0.0.0.0", "::")


def _name(host: str) -> str:
    """A host name as compared: lower case, no brackets, no trailing dot."""
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class HostNames:
    """The host names a server answers for.

    ``names`` are served as given; ``configured`` (``--allowed-host``) also count as
    this server's origin on any port, for a proxy that rewrites ``Host``. ``any_host``
    (``--allowed-host '*'``) turns the Host check off.
    """

    names: frozenset[str]
    configured: frozenset[str] = frozenset()
    any_host: bool = False

    def serves(self, host: str) -> bool:
        """Whether a ``Host`` header value (``name[:port]``) names this server."""
        if self.any_host:
            return True
        name = _split_host(host)[0]
        return name in self.names or name in self.configured or _is_ip(name)

    def describe(self) -> str:
        shown = sorted(self.names | self.configured)
        return ", ".join(shown) + " and IP addresses"


def served_hosts(bound_host: str, configured: Iterable[str] = ()) -> HostNames:
    """What a server bound to ``bound_host`` answers for: loopback names, the bound
    host (the machine's own names when bound to every interface), and ``configured``."""
    extra = {_name(h) for h in configured if h.strip()}
    names = set(LOOPBACK_NAMES)
    bound = _name(bound_host)
    if bound in _WILDCARD_BINDS:
        for own in (socket.gethostname(), socket.getfqdn()):
            if own:
                names.add(_name(own))
    else:
        names.add(bound)
    return HostNames(frozenset(names), frozenset(extra - {"*"}), any_host="*" in extra)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _split_host(value: str) -> tuple[str, int | None]:
    """``host[:port]`` (IPv6 in brackets) as (name, port); a bad port reads as -1."""
    value = value.strip()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        name, _, port_text = value.partition(":")
    else:
        name, port_text = value, ""
    if not port_text:
        return _name(name), None
    return _name(name), int(port_text) if port_text.isdigit() else -1


def _default_port(port: int | None) -> int | None:
    """Ports 80 and 443 count as "no port": a TLS proxy's Host has none, its Origin https."""
    return None if port in (80, 443) else port


class RequestGuard:
    """ASGI middleware refusing requests other web pages could make (see the module).

    ``hosts=None`` skips the Host check (an app built for tests or embedding); the
    ``runyard ui`` and ``runyard server`` commands always pass the names they serve.
    """

    def __init__(self, app: ASGIApp, hosts: HostNames | None = None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope)
            if refusal is not None:
                await _answer(send, *refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """``(status, detail)`` when the request must be refused, else None."""
        host = _header(scope, b"host")
        if self.hosts is not None and host is not None and not self.hosts.serves(host):
            return (
                400,
                f"this server does not answer for the host name {host!r} (it serves "
                f"{self.hosts.describe()}); behind a proxy, start it with "
                f"--allowed-host {_split_host(host)[0]} or set RUNYARD_ALLOWED_HOSTS",
            )
        if scope["method"] not in _UNSAFE:
            return None
        site = _header(scope, b"sec-fetch-site")
        if site is not None and site.strip().lower() in ("cross-site", "same-site"):
            return 403, f"refused a {site.strip()} request from another web page"
        origin = _header(scope, b"origin")
        if origin is not None and not self._same_origin(origin, host):
            return 403, f"refused a request from another web page (Origin {origin!r})"
        kind = _header(scope, b"content-type")
        if kind is not None and _header(scope, CLIENT_HEADER.lower().encode()) is None:
            essence = kind.split(";", 1)[0].strip().lower()
            if essence in _SIMPLE_TYPES:
                return (
                    403,
                    f"Content-Type {essence!r} is refused for {scope['method']} (other web "
                    "pages can send it): send the body as application/json (or the "
                    f"API's msgpack), or add an {CLIENT_HEADER} header",
                )
        return None

    def _same_origin(self, origin: str, host: str | None) -> bool:
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False  # "null" (sandboxed frames, data: URLs) or garbage
        try:
            origin_port = _default_port(parts.port)
        except ValueError:
            return False
        name = _name(parts.hostname)
        if self.hosts is not None and name in self.hosts.configured:
            return True
        if host is None:
            return False
        host_name, host_port = _split_host(host)
        return name == host_name and origin_port == _default_port(host_port)


def _header(scope: Scope, name: bytes) -> str | None:
    """The request's header ``name`` (lower case), values of repeats joined by commas."""
    found = [value for key, value in scope.get("headers", []) if key == name]
    if not found:
        return None
    return ", ".join(v.decode("latin-1") for v in found)


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
