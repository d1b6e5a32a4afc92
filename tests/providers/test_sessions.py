"""Provider sessions read the process's environment once, and still honour a proxy."""

from __future__ import annotations

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
