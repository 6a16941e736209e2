"""X-Forwarded-For/-Proto believed only from the configured proxies (inventory/web/forwarded)."""

import pytest

from inventory.core.settings import Settings, parse_trusted_proxies
from inventory.web.forwarded import client_address, forwarded_scheme, is_trusted, networks

NGINX = networks(parse_trusted_proxies("127.0.0.2, 10.0.0.0/8"))


def test_the_setting_takes_addresses_and_networks_and_defaults_to_none():
    assert Settings.from_env({}).trusted_proxies == ()
    proxies = Settings.from_env({"INVENTORY_TRUSTED_PROXIES": "127.0.0.1 10.1.0.0/16,::1"}
                                 ).trusted_proxies
    assert proxies == ("127.0.0.1/32", "10.1.0.0/16", "::1/128")


def test_a_wrong_entry_is_named():
    with pytest.raises(ValueError, match="'nginx' is not an IP address or network"):
        parse_trusted_proxies("127.0.0.1, nginx")


def test_the_peer_is_the_client_when_no_proxy_is_trusted():
    assert client_address("192.0.2.7", "203.0.113.9", ()) == "192.0.2.7"
    assert client_address("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"


def test_an_untrusted_peer_cannot_choose_its_address():
    assert client_address("192.0.2.7", "203.0.113.9", NGINX) == "192.0.2.7"


def test_a_trusted_proxy_names_the_client():
    assert client_address("127.0.0.2", "198.51.100.4", NGINX) == "198.51.100.4"


def test_what_the_client_wrote_itself_is_ignored():
    # nginx appends the address it saw to whatever the client sent: the rightmost one counts.
    assert client_address("127.0.0.2", "203.0.113.9, 198.51.100.4", NGINX) == "198.51.100.4"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    assert client_address("127.0.0.2", "203.0.113.9, 198.51.100.4, 10.2.3.4", NGINX) \
        == "198.51.100.4"
    # Only proxies in the list: the leftmost is the best we know.
    assert client_address("127.0.0.2", "10.9.9.9, 10.2.3.4", NGINX) == "10.9.9.9"


def test_garbage_stops_the_walk():
    assert client_address("127.0.0.2", "203.0.113.9, not-an-address", NGINX) == "127.0.0.2"
    assert client_address("127.0.0.2", "", NGINX) == "127.0.0.2"


def test_ports_and_ipv6_brackets():
    assert client_address("127.0.0.2", "198.51.100.4:5123", NGINX) == "198.51.100.4"
    assert client_address("127.0.0.2", "[2001:db8::7]:443", NGINX) == "2001:db8::7"
    assert is_trusted("10.0.0.1", NGINX) and not is_trusted("testclient", NGINX)


def test_the_scheme_comes_from_a_trusted_proxy_only():
    assert forwarded_scheme("127.0.0.2", "https", "http", NGINX) == "https"
    assert forwarded_scheme("192.0.2.7", "https", "http", NGINX) == "http"
    assert forwarded_scheme("127.0.0.2", "gopher", "http", NGINX) == "http"
    assert forwarded_scheme("127.0.0.2", "HTTPS, http", "http", NGINX) == "https"
