"""The outbound client against a real HTTP server on 127.0.0.1: SSRF refusal, redirects, caps, signatures."""

import datetime
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from federation.protocol import http
from federation.protocol.signatures import BadSignature, MalformedSignature, generate_keypair, verify_request

KEY_ID = "http://testserver/accounts/peertube#main-key"


@dataclass
class Seen:
    """What the server received, and the answer a test wants it to give for a path."""

    requests: list[dict] = field(default_factory=list)
    routes: dict[str, Callable[[BaseHTTPRequestHandler, dict], None]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@contextmanager
def running_server(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, Seen]]:
    """A real HTTP(S) server on 127.0.0.1: (base URL, record of requests); routes are set by each test."""
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            path, _, query = self.path.partition("?")
            request = {
                "method": self.command,
                "path": path,
                "query": query,
                "headers": dict(self.headers.items()),
                "body": self.rfile.read(length) if length else None,
            }
            seen.requests.append(request)
            seen.routes.get(path, not_found)(self, request)

        do_GET = do_POST = handle_one

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def peer() -> Iterator[tuple[str, Seen]]:
    with running_server() as (base, seen):
        yield base, seen


def answer(handler, status: int, body: bytes = b"", headers: dict[str, str] | None = None, length: bool = True) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if length:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client stopped reading (a size cap at work)


def json_route(document) -> Callable:
    return lambda handler, _: answer(
        handler, 200, json.dumps(document).encode(), {"Content-Type": "application/activity+json"}
    )


def redirect_route(location: str) -> Callable:
    return lambda handler, _: answer(handler, 302, headers={"Location": location})


def not_found(handler, _) -> None:
    answer(handler, 404, b"not here")


@pytest.fixture
def private_allowed(settings):
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = True


# --- address checks -------------------------------------------------------------------------------


def test_loopback_is_refused_and_never_contacted(peer, settings):
    base, seen = peer
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = False
    seen.routes["/actor"] = json_route({"id": "x"})
    with pytest.raises(http.UnsafeURL):
        http.get_json(f"{base}/actor")
    with pytest.raises(http.UnsafeURL):
        http.post_activity(f"{base}/inbox", {"type": "Follow"}, signer=http.Signer(KEY_ID, generate_keypair()[0]))
    with pytest.raises(http.UnsafeURL):
        http.get_bytes(f"{base}/thumbnail.jpg")
    assert seen.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/actor",
        "http://127.0.0.1:8000/",
        "http://10.0.0.1/",
        "http://192.168.1.10/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
    ],
)
def test_non_public_addresses_are_refused(settings, url):
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(http.UnsafeURL):
        http.check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://93.184.215.14/",
        "gopher://93.184.215.14/",
        "http:///path",
        "http://user:pw@93.184.215.14/",
        "http://93.184.215.14:99999/",
        f"http://{'a' * 64}.example/",  # a DNS label is at most 63 characters
    ],
)
def test_other_schemes_and_credentials_are_refused_even_when_private_addresses_are_allowed(private_allowed, url):
    with pytest.raises(http.UnsafeURL):
        http.check_url(url)


def test_public_address_passes_the_check(settings):
    settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES = False
    http.check_url("https://93.184.215.14/accounts/peertube")  # an IP literal: no DNS needed


# --- GET ------------------------------------------------------------------------------------------


def test_get_json_with_private_addresses_allowed(peer, private_allowed, settings):
    base, seen = peer
    seen.routes["/accounts/peertube"] = json_route({"type": "Application", "id": f"{base}/accounts/peertube"})
    document = http.get_json(f"{base}/accounts/peertube")
    assert document["type"] == "Application"
    headers = seen.requests[0]["headers"]
    assert headers["Accept"] == http.AP_ACCEPT
    assert headers["User-Agent"] == f"SideWaysTube/{version('sideways-tube')} (+{settings.SIDEWAYS_URL})"
    assert headers["Host"] == urlsplit(base).netloc
    assert "Signature" not in headers


def test_signed_get_verifies_on_the_server(peer, private_allowed, keys):
    base, seen = peer
    seen.routes["/accounts/peertube/outbox"] = json_route({"type": "OrderedCollectionPage"})
    http.get_json(f"{base}/accounts/peertube/outbox?page=2", signer=http.Signer(KEY_ID, keys[0]))
    request = seen.requests[0]
    assert request["query"] == "page=2"
    parsed = verify_request("GET", request["path"], request["query"], request["headers"], None, keys[1])
    assert parsed.key_id == KEY_ID
    assert "digest" not in parsed.headers


def test_redirects_are_followed_and_each_hop_signed(peer, private_allowed, keys):
    base, seen = peer
    seen.routes["/old"] = redirect_route("/new")
    seen.routes["/new"] = json_route({"id": "moved"})
    assert http.get_json(f"{base}/old", signer=http.Signer(KEY_ID, keys[0])) == {"id": "moved"}
    assert [request["path"] for request in seen.requests] == ["/old", "/new"]
    last = seen.requests[1]
    verify_request("GET", last["path"], last["query"], last["headers"], None, keys[1])


def test_what_is_signed_is_what_is_sent(peer, private_allowed, keys):
    # A URL from a peer may hold characters that must be percent-encoded on the wire; the signed
    # (request-target) has to be the encoded path the server receives.
    base, seen = peer
    seen.routes["/videos/caf%C3%A9%20cr%C3%A8me"] = json_route({"id": "encoded"})
    assert http.get_json(f"{base}/videos/café crème", signer=http.Signer(KEY_ID, keys[0])) == {"id": "encoded"}
    request = seen.requests[0]
    verify_request("GET", request["path"], request["query"], request["headers"], None, keys[1])


def test_redirect_to_a_refused_url_is_refused(peer, private_allowed):
    base, seen = peer
    seen.routes["/actor"] = redirect_route("file:///etc/passwd")
    with pytest.raises(http.UnsafeURL):
        http.get_json(f"{base}/actor")


def test_redirect_loop_stops(peer, private_allowed):
    base, seen = peer
    seen.routes["/loop"] = redirect_route("/loop")
    with pytest.raises(http.FetchError, match="redirects") as caught:
        http.get_json(f"{base}/loop")
    assert caught.value.retryable is False
    assert len(seen.requests) == http.MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    "status, retryable", [(500, True), (503, True), (429, True), (408, True), (404, False), (410, False)]
)
def test_error_status_says_whether_to_retry(peer, private_allowed, status, retryable):
    base, seen = peer
    seen.routes["/actor"] = lambda handler, _: answer(handler, status, b"{}")
    with pytest.raises(http.FetchError) as caught:
        http.get_json(f"{base}/actor")
    assert (caught.value.status, caught.value.retryable) == (status, retryable)


def test_connection_refused_is_retryable(private_allowed):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_port
    closed.server_close()
    with pytest.raises(http.FetchError) as caught:
        http.get_json(f"http://127.0.0.1:{port}/actor")
    assert caught.value.status is None
    assert caught.value.retryable is True


@pytest.mark.parametrize("body", [b"<html>not json</html>", b'["a", "list"]', b""])
def test_non_json_or_non_object_is_refused(peer, private_allowed, body):
    base, seen = peer
    seen.routes["/actor"] = lambda handler, _: answer(handler, 200, body)
    with pytest.raises(http.FetchError) as caught:
        http.get_json(f"{base}/actor")
    assert caught.value.retryable is False


def test_oversize_json_is_refused_from_its_declared_length(peer, private_allowed):
    base, seen = peer
    big = json.dumps({"padding": "x" * http.MAX_JSON_BYTES}).encode()
    seen.routes["/actor"] = lambda handler, _: answer(handler, 200, big)
    with pytest.raises(http.FetchError, match="larger than"):
        http.get_json(f"{base}/actor")


def test_oversize_body_without_length_is_cut_while_streaming(peer, private_allowed):
    base, seen = peer
    # No Content-Length: the server just writes and closes, so only the streamed count can stop it.
    seen.routes["/thumbnail.jpg"] = lambda handler, _: answer(
        handler, 200, b"\xff" * 300_000, {"Content-Type": "image/jpeg", "Connection": "close"}, length=False
    )
    with pytest.raises(http.FetchError, match="larger than"):
        http.get_bytes(f"{base}/thumbnail.jpg", max_bytes=100_000)
    body, content_type = http.get_bytes(f"{base}/thumbnail.jpg", max_bytes=300_000)
    assert (len(body), content_type) == (300_000, "image/jpeg")


# --- POST -----------------------------------------------------------------------------------------


def verifying_inbox(public_pem: str) -> Callable:
    """An inbox that checks our signature with verify_request, as a peer (or our own inbox) would."""

    def route(handler, request) -> None:
        try:
            verify_request(
                request["method"], request["path"], request["query"], request["headers"], request["body"], public_pem
            )
        except (BadSignature, MalformedSignature) as error:
            answer(handler, 401, str(error).encode())
            return
        answer(handler, 202)

    return route


def test_post_activity_is_signed_and_verifies_on_the_server(peer, private_allowed, keys):
    base, seen = peer
    seen.routes["/inbox"] = verifying_inbox(keys[1])
    activity = {
        "type": "Follow",
        "id": f"{base}/follows/1",
        "actor": "http://testserver/accounts/peertube",
        "name": "é",
    }
    assert http.post_activity(f"{base}/inbox", activity, signer=http.Signer(KEY_ID, keys[0])) == 202
    request = seen.requests[0]
    assert json.loads(request["body"]) == activity
    assert request["headers"]["Content-Type"] == "application/activity+json"


def test_post_signed_with_another_key_is_refused_by_the_server(peer, private_allowed, keys):
    base, seen = peer
    seen.routes["/inbox"] = verifying_inbox(keys[1])
    other_private, _ = generate_keypair()
    with pytest.raises(http.FetchError) as caught:
        http.post_activity(f"{base}/inbox", {"type": "Follow"}, signer=http.Signer(KEY_ID, other_private))
    assert (caught.value.status, caught.value.retryable) == (401, False)


def test_post_does_not_follow_redirects(peer, private_allowed, keys):
    base, seen = peer
    seen.routes["/inbox"] = redirect_route("/elsewhere")
    with pytest.raises(http.FetchError) as caught:
        http.post_activity(f"{base}/inbox", {"type": "Follow"}, signer=http.Signer(KEY_ID, keys[0]))
    assert caught.value.status == 302
    assert [request["path"] for request in seen.requests] == ["/inbox"]


# --- TLS ------------------------------------------------------------------------------------------


def certificate(subject: str, issuer_key, issuer: str | None = None, *, ca: bool = False, key=None):
    """An EC certificate for `subject` (a CA, or a server certificate for the name `subject`)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or subject)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256()), key


@pytest.fixture
def tls_peer(tmp_path, monkeypatch) -> Iterator[tuple[int, Seen]]:
    """An HTTPS server on 127.0.0.1 with a certificate for "localhost" from a CA the client is told to trust."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert, _ = certificate("Test CA", None, key=ca_key, ca=True)
    server_cert, server_key = certificate("localhost", ca_key, "Test CA")
    (tmp_path / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.pem").write_bytes(
        server_cert.public_bytes(serialization.Encoding.PEM)
        + server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # OpenSSL's default trust store, for this test
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem")
    with running_server(context) as (base, seen):
        yield urlsplit(base).port, seen


def test_https_connects_to_the_checked_address_and_verifies_the_name(tls_peer, private_allowed):
    port, seen = tls_peer
    seen.routes["/actor"] = json_route({"id": "secure"})
    # "localhost" is resolved once to 127.0.0.1; TLS still checks the certificate against "localhost".
    assert http.get_json(f"https://localhost:{port}/actor") == {"id": "secure"}
    assert seen.requests[0]["headers"]["Host"] == f"localhost:{port}"


def test_https_certificate_for_another_name_is_refused(tls_peer, private_allowed):
    port, seen = tls_peer
    seen.routes["/actor"] = json_route({"id": "secure"})
    with pytest.raises(http.FetchError, match="(?i)certificate|hostname"):
        http.get_json(f"https://127.0.0.1:{port}/actor")
    assert seen.requests == []


def test_https_untrusted_certificate_is_refused(tls_peer, private_allowed, monkeypatch):
    port, seen = tls_peer
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(http.FetchError, match="(?i)certificate"):
        http.get_json(f"https://localhost:{port}/actor")
    assert seen.requests == []
