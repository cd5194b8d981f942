"""The outbound allow-list: which URLs and addresses a guarded client may reach, checked on
every hop. Names resolve through a fake resolver (no DNS); real connections go to a
recording server on 127.0.0.1."""

import ipaddress
import socket
import ssl

import httpx
import pytest

from config import Settings
from core.errors import OutboundRefused
from infrastructure.http.outbound import HostRule, OutboundPolicy, guarded_client, non_public_kind
from tests.fakes.recorder import recording_server

PUBLIC = "93.184.215.14"


def resolver(names: dict[str, list[str] | list[list[str]]]):
    """getaddrinfo over a table; a name mapped to a list of lists answers each in turn."""
    calls: dict[str, int] = {}

    def resolve(host, port, type=0, **_):
        try:
            ipaddress.ip_address(host)
            answer = [host]
        except ValueError:
            if host not in names:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            answer = names[host]
            if answer and isinstance(answer[0], list):
                answer = answer[min(calls.setdefault(host, 0), len(answer) - 1)]
                calls[host] += 1
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answer
        ]

    return resolve


def policy(entries: str, names: dict | None = None) -> OutboundPolicy:
    return OutboundPolicy([HostRule.parse(e) for e in entries.split(",")], resolver(names or {}))


def client(entries: str, names: dict, handler) -> httpx.Client:
    settings = Settings(source_allowed_hosts=entries)
    return guarded_client(
        settings, policy=policy(entries, names), inner=httpx.MockTransport(handler)
    )


# -- the allow-list --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://api.example.org/v1", "http://api.example.org/x", "https://API.Example.org./v1"]
)
def test_an_exact_host_is_allowed_on_the_default_ports(url):
    assert policy("api.example.org").check_url(url)[0] == "api.example.org"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.org:8443/v1",
        "https://other.example.org/",
        "https://example.org/",
        "https://api.example.org.evil.test/",
        "https://evil.test/?next=api.example.org",
    ],
)
def test_other_hosts_and_ports_are_refused(url):
    with pytest.raises(OutboundRefused, match="not in SOURCE_ALLOWED_HOSTS"):
        policy("api.example.org").check_url(url)


def test_host_port_allows_that_port_only():
    allowed = policy("files.example.org:8443")
    assert allowed.check_url("https://files.example.org:8443/a.zip") == ("files.example.org", 8443)
    with pytest.raises(OutboundRefused, match="files.example.org:443"):
        allowed.check_url("https://files.example.org/a.zip")


def test_a_suffix_allows_subdomains_but_not_the_domain_itself():
    allowed = policy(".example.com")
    assert allowed.check_url("https://a.example.com/")[0] == "a.example.com"
    assert allowed.check_url("https://deep.a.example.com/")[0] == "deep.a.example.com"
    for url in ("https://example.com/", "https://badexample.com/"):
        with pytest.raises(OutboundRefused):
            allowed.check_url(url)


@pytest.mark.parametrize(
    "url", ["ftp://api.example.org/x", "file:///etc/passwd", "gopher://api.example.org/"]
)
def test_only_http_and_https(url):
    with pytest.raises(OutboundRefused, match="http and https only"):
        policy("api.example.org").check_url(url)


def test_a_refusal_names_the_host_never_the_query():
    with pytest.raises(OutboundRefused) as info:
        policy("api.example.org").check_url(
            "https://evil.test/steal?auth_key=SECRET&auth_token=TOKEN"
        )
    assert "evil.test:443" in info.value.detail
    assert (
        "SECRET" not in info.value.detail
        and "TOKEN" not in info.value.detail
        and "steal" not in info.value.detail
    )
    assert info.value.status == 422 and info.value.retryable is False


# -- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.7", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "non-global"),
    ],
)
def test_internal_addresses_are_named(address, kind):
    assert non_public_kind(ipaddress.ip_address(address)) == kind


def test_public_addresses_pass():
    assert non_public_kind(ipaddress.ip_address(PUBLIC)) is None
    assert non_public_kind(ipaddress.ip_address("2606:4700::1111")) is None


def test_a_suffix_never_unlocks_a_private_address():
    allowed = policy(
        ".example.com",
        {
            "cdn.example.com": [PUBLIC],
            "intranet.example.com": ["10.1.2.3"],
            "mixed.example.com": [PUBLIC, "127.0.0.1"],
        },
    )
    assert allowed.addresses("cdn.example.com", 443) == [PUBLIC]
    with pytest.raises(OutboundRefused, match="resolves to a private address"):
        allowed.addresses("intranet.example.com", 443)
    with pytest.raises(
        OutboundRefused, match="loopback"
    ):  # one bad address among good ones is enough
        allowed.addresses("mixed.example.com", 443)


def test_a_host_or_address_listed_exactly_may_be_private():
    assert policy("geoserver.internal", {"geoserver.internal": ["10.1.2.3"]}).addresses(
        "geoserver.internal", 80
    ) == ["10.1.2.3"]
    assert policy("127.0.0.1:8080").addresses("127.0.0.1", 8080) == ["127.0.0.1"]
    by_address = policy(
        ".corp.example,10.1.2.3",
        {"gis.corp.example": ["10.1.2.3"], "db.corp.example": ["10.1.2.4"]},
    )
    assert by_address.addresses("gis.corp.example", 443) == ["10.1.2.3"]
    with pytest.raises(OutboundRefused):
        by_address.addresses("db.corp.example", 443)


def test_loopback_is_refused_when_not_listed():
    with pytest.raises(OutboundRefused, match="127.0.0.1:8080"):
        policy("api.example.org").addresses("127.0.0.1", 8080)


# -- every hop ---------------------------------------------------------------------------------


def test_a_redirect_to_a_host_not_allowed_is_refused_and_never_sent():
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(
            302, headers={"location": "https://evil.test/collect?auth_key=SECRET"}
        )

    with client("api.example.org", {"api.example.org": [PUBLIC]}, handler) as http:
        with pytest.raises(
            OutboundRefused, match="evil.test:443 refused: not in SOURCE_ALLOWED_HOSTS"
        ) as info:
            http.get("https://api.example.org/v1/data-downloads", params={"auth_key": "SECRET"})
    assert sent == ["https://api.example.org/v1/data-downloads?auth_key=SECRET"]
    assert "SECRET" not in info.value.detail


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:8080/admin",
        "http://localhost/",
        "http://[::1]/",
        "http://internal.example.com/latest",
        "http://169.254.169.254/metadata",
    ],
)
def test_a_redirect_to_loopback_or_an_internal_address_is_refused(location):
    names = {
        "api.example.com": [PUBLIC],
        "internal.example.com": ["127.0.0.1"],
        "localhost": ["127.0.0.1", "::1"],
    }
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.host)
        return httpx.Response(302, headers={"location": location})

    with client(".example.com", names, handler) as http, pytest.raises(OutboundRefused):
        http.get("https://api.example.com/v1")
    assert sent == ["api.example.com"]


def test_redirects_within_the_allow_list_are_followed():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.example.com":
            return httpx.Response(302, headers={"location": "https://files.example.com/wdpa.zip"})
        return httpx.Response(200, content=b"zip")

    names = {"api.example.com": [PUBLIC], "files.example.com": [PUBLIC]}
    with client(".example.com", names, handler) as http:
        response = http.get("https://api.example.com/v1/latest")
    assert response.status_code == 200 and response.url.host == "files.example.com"


def test_an_unresolvable_host_is_a_connection_error_worth_retrying():
    with (
        client(".example.com", {}, lambda request: httpx.Response(200)) as http,
        pytest.raises(httpx.ConnectError),
    ):
        http.get("https://gone.example.com/")


# -- real connections: the pool connects only to vetted addresses -------------------------------


def test_a_listed_local_server_is_reached_by_name_and_an_unlisted_port_is_not():
    with recording_server() as server:
        entries = f"svc.local.test:{server.port}"
        settings = Settings(source_allowed_hosts=entries)
        with guarded_client(
            settings, policy=policy(entries, {"svc.local.test": ["127.0.0.1"]})
        ) as http:
            assert http.get(f"http://svc.local.test:{server.port}/ping?x=1").text == "ok"
            with pytest.raises(OutboundRefused):
                http.get(f"http://svc.local.test:{server.port + 1}/ping")
    assert server.requests == ["GET /ping?x=1"] and server.hosts == [
        f"svc.local.test:{server.port}"
    ]


def test_a_name_that_rebinds_to_loopback_after_the_check_is_not_connected_to():
    """The check sees a public address; the connection resolves again and sees 127.0.0.1."""
    with recording_server() as server:
        entries = f".rebind.test:{server.port}"
        rebinding = policy(entries, {"data.rebind.test": [[PUBLIC], ["127.0.0.1"]]})
        with guarded_client(Settings(source_allowed_hosts=entries), policy=rebinding) as http:
            with pytest.raises(OutboundRefused, match="loopback"):
                http.get(f"http://data.rebind.test:{server.port}/latest")
    assert server.requests == []


def test_the_default_guarded_client_refuses_loopback():
    with (
        recording_server() as server,
        guarded_client(Settings(source_allowed_hosts="api.ibat-alliance.org")) as http,
    ):
        with pytest.raises(OutboundRefused):
            http.get(f"{server.base_url}/")
    assert server.requests == []


def test_tls_is_verified_with_one_context_per_process():
    """The context the connections use (through httpx's private `_pool`, as the transport
    itself does) checks certificates and host names, and is not rebuilt per client."""
    contexts = []
    for _ in range(2):
        with guarded_client(Settings()) as http:
            contexts.append(http._transport._inner._pool._ssl_context)
    assert contexts[0] is contexts[1]
    assert contexts[0].verify_mode == ssl.CERT_REQUIRED and contexts[0].check_hostname


# -- the setting -------------------------------------------------------------------------------


def test_the_setting_accepts_hosts_ports_suffixes_and_ip_literals():
    settings = Settings(
        source_allowed_hosts=" api.ibat-alliance.org, 127.0.0.1:8080,.Example.com,[::1]:9000,"
    )
    assert settings.allowed_source_hosts == [
        "api.ibat-alliance.org",
        "127.0.0.1:8080",
        ".example.com",
        "[::1]:9000",
    ]
    assert [HostRule.parse(e) for e in settings.allowed_source_hosts] == [
        HostRule("api.ibat-alliance.org", None),
        HostRule("127.0.0.1", 8080),
        HostRule("example.com", None, suffix=True),
        HostRule("::1", 9000),
    ]


@pytest.mark.parametrize(
    "value", ["https://api.ibat-alliance.org", "api.ibat-alliance.org/v1", "user@host", "host:port"]
)
def test_the_setting_refuses_urls_and_paths(value):
    with pytest.raises(ValueError, match="host, host:port or .suffix"):
        Settings(source_allowed_hosts=value)
