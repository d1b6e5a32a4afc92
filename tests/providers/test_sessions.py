"""Provider sessions read the process's environment once, and still honour a proxy; sessions of
one provider share kept-alive connections and nothing else."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connections.providers import pools
from connections.providers.base import new_session

pytestmark = pytest.mark.django_db
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    pools._proxies_configured.cache_clear()
    yield monkeypatch
    pools._proxies_configured.cache_clear()


def test_without_a_proxy_a_session_uses_the_ca_bundle_named_in_the_environment(environment):
    environment.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/our-ca.pem")

    session = new_session(pool="demo")

    assert (session.trust_env, session.verify) == (False, "/etc/ssl/our-ca.pem")


def test_with_a_proxy_a_session_reads_the_environment_on_every_request(environment):
    environment.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    environment.setenv("NO_PROXY", "127.0.0.1")

    session = new_session(pool="demo")

    assert session.trust_env is True


class _Counting(BaseHTTPRequestHandler):
    """Answers every GET with a cookie named after the path; counts the TCP connections."""

    protocol_version = "HTTP/1.1"  # keep-alive
    connections = 0
    cookies_seen: list[str] = []

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).cookies_seen.append(self.headers.get("Cookie", ""))
        self.send_response(200)
        self.send_header("Set-Cookie", f"person={self.path.strip('/')}")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def counting_server():
    _Counting.connections, _Counting.cookies_seen = 0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_sessions_of_one_provider_reuse_one_kept_alive_connection(environment, counting_server):
    first, second = new_session(pool="sessions-test"), new_session(pool="sessions-test")

    for session in (first, second, first, second):
        session.get(f"{counting_server}/a", timeout=5).close()

    assert _Counting.connections == 1


def test_sessions_of_two_providers_keep_their_connections_apart(environment, counting_server):
    new_session(pool="sessions-test-a").get(f"{counting_server}/a", timeout=5).close()
    new_session(pool="sessions-test-b").get(f"{counting_server}/b", timeout=5).close()

    assert _Counting.connections == 2


def test_a_cookie_one_persons_session_receives_never_travels_with_anothers(
    environment, counting_server
):
    alice, bob = new_session(pool="sessions-test"), new_session(pool="sessions-test")

    alice.get(f"{counting_server}/alice", timeout=5).close()
    bob.get(f"{counting_server}/bob", timeout=5).close()
    alice.get(f"{counting_server}/again", timeout=5).close()

    assert _Counting.cookies_seen == ["", "", "person=alice"]
