"""Kept-alive HTTP connections to a provider, shared by every thread of a worker process.

Each client still gets a requests.Session of its own: headers, cookies and a session's
`tendon_timeout` are per client, so nothing one person's import receives (a cookie) can travel
with another person's request. Only the transport is shared: one HTTPAdapter per provider per
process, whose urllib3 connection pools are thread-safe. Imports running at once on threads
(connections/services/batches.py) then reuse warm TCP and TLS connections instead of opening
new ones for every import.
"""

from __future__ import annotations

import functools
import os
import threading
import urllib.request

import requests
from requests.adapters import HTTPAdapter

_lock = threading.Lock()
_adapters: dict[str, HTTPAdapter] = {}
_owner_pid = os.getpid()


class SharedAdapter(HTTPAdapter):
    """An adapter that outlives the sessions it is mounted on: closing one of them (or a
    `with` block around it) must not close the connections the other threads are using."""

    def close(self) -> None:
        pass


def shared_adapter(pool: str, *, size: int) -> HTTPAdapter:
    """The process's adapter for `pool` (a provider id), holding up to `size` kept-alive
    connections per host. A forked child makes its own: sockets are never shared across
    processes."""
    global _owner_pid
    with _lock:
        if os.getpid() != _owner_pid:
            _adapters.clear()
            _owner_pid = os.getpid()
        adapter = _adapters.get(pool)
        if adapter is None:
            adapter = SharedAdapter(pool_connections=4, pool_maxsize=max(10, size))
            _adapters[pool] = adapter
        return adapter


def environment_read_once(session: requests.Session) -> None:
    """Spares the session requests' look at the environment on every request (proxy variables,
    ~/.netrc, CA bundle variables: about a millisecond each time, for every import's every call)
    when no proxy is configured: the CA bundle variables are read here, once. With a proxy set,
    requests keeps reading it per request, so NO_PROXY is honoured for each address."""
    if _proxies_configured():
        return
    session.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.verify = bundle or True


@functools.cache
def _proxies_configured() -> bool:
    """Whether the process's environment names a proxy (read once: it does not change)."""
    return bool(urllib.request.getproxies())
