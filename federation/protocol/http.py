"""The only way this project talks to other servers: safe against SSRF, size-limited, optionally signed.

Anything a peer sends us can name a URL (an actor, an inbox, a thumbnail), so every outbound request
is treated as attacker-chosen:
- only http(s), no credentials in the URL;
- the host is resolved once and refused if ANY of its addresses is not a public unicast address
  (loopback, private, link-local such as 169.254.169.254, reserved, multicast, unspecified), unless
  settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES (tests, docker-compose);
- the connection goes to that checked address (the Host header, TLS SNI and certificate check keep
  the name), so a second DNS answer cannot swap in another address ("DNS rebinding");
- redirects are followed by hand (GET only, at most MAX_REDIRECTS), each hop checked again;
- one deadline for the whole exchange (connect, response headers and body together): a watchdog cuts the
  connection when it passes, so a peer dripping its headers or body a byte at a time cannot hold the
  thread; `deadline()` shortens it for a block of code (the inbox's key fetch);
- a byte cap on the streamed body.

It sits directly on urllib3 (the engine under `requests`) because urllib3's connection pool takes
the address to connect to and the name to verify separately; `requests` would need an adapter
subclass and proxy settings switched off to do the same.
"""

import contextvars
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from urllib.parse import SplitResult, urljoin, urlsplit

import urllib3
from django.conf import settings

from federation.protocol.signatures import host_header, sign_headers

AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AP_CONTENT_TYPE = "application/activity+json"
MAX_JSON_BYTES = 1_000_000
MAX_IMAGE_BYTES = 8_000_000
MAX_REDIRECTS = 5
TIMEOUT = urllib3.Timeout(connect=5, read=15)
DEADLINE = 60  # seconds for a whole exchange, so a peer dripping bytes cannot hold a worker
MEDIA_DEADLINE = 600  # the same for one proxied media response (a player asks for one segment at a time)
# The monotonic time by which every request of the current block must be over (see deadline()).
_deadline_cap: contextvars.ContextVar[float] = contextvars.ContextVar("deadline_cap", default=float("inf"))
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_VERSION = version("sideways-tube")


class FetchError(Exception):
    """A remote request that did not give a usable answer.

    `status` is the HTTP status (None when no answer came); `retryable` says whether trying again
    later may succeed (network errors, 408, 429, 5xx), which is how deliveries decide to back off.
    """

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class UnsafeURL(FetchError):
    """A URL we refuse to connect to: not http(s), or it leads to a non-public address."""


class TimedOut(FetchError):
    """The exchange did not finish within its deadline (a slow or dripping peer)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every request made inside the block is over within `seconds` from now, all of them together.

    For requests made while a client waits (the inbox fetching a signer's key): a slow peer then costs
    that request a bounded time, and the caller can hand the work to a worker instead.
    """
    token = _deadline_cap.set(min(_deadline_cap.get(), time.monotonic() + seconds))
    try:
        yield
    finally:
        _deadline_cap.reset(token)


def _deadline_in(seconds: float) -> float:
    """The monotonic time by which an exchange starting now must end."""
    return min(_deadline_cap.get(), time.monotonic() + seconds)


@dataclass(frozen=True)
class Signer:
    """Who signs a request: the actor's keyId (`<actor URL>#main-key`) and its private key."""

    key_id: str
    private_key_pem: str


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: urllib3.HTTPHeaderDict
    body: bytes


def check_url(url: str) -> None:
    """Raise UnsafeURL unless a request to `url` is allowed (see the module docstring)."""
    _checked_addresses(_normalised(url))


def get_json(url: str, *, signer: Signer | None = None, accept: str = AP_ACCEPT) -> dict:
    """GET a JSON object (an actor, a video, a collection page), signed when `signer` is given.

    Signed fetches let peers that require "authorized fetch" answer us; PeerTube signs them too.
    """
    reply = _get(url, signer=signer, accept=accept, max_bytes=MAX_JSON_BYTES)
    try:
        document = json.loads(reply.body)
    except ValueError as exc:
        raise FetchError(f"{url} did not return JSON") from exc
    if not isinstance(document, dict):
        raise FetchError(f"{url} returned JSON that is not an object")
    return document


def get_bytes(url: str, *, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[bytes, str]:
    """GET a file (a thumbnail) as (body, content type), refusing bodies over `max_bytes`."""
    reply = _get(url, signer=None, accept="*/*", max_bytes=max_bytes)
    return reply.body, reply.headers.get("Content-Type", "")


def post_activity(url: str, activity: dict, *, signer: Signer) -> int:
    """POST an activity to an inbox, signed with a digest of the exact body; return the 2xx status.

    Redirects are not followed: a signed POST is bound to its target, and PeerTube does not follow them either.
    """
    body = json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": AP_CONTENT_TYPE, "Accept": AP_ACCEPT}
    reply = _exchange(
        "POST", url, headers=headers, body=body, signer=signer, max_bytes=None, until=_deadline_in(DEADLINE)
    )
    _raise_for_status(url, reply.status)
    return reply.status


def _get(url: str, *, signer: Signer | None, accept: str, max_bytes: int) -> _Reply:
    """GET with redirects followed by hand, so every hop goes through the address check again; all hops
    together within DEADLINE."""
    until = _deadline_in(DEADLINE)
    for _hop in range(MAX_REDIRECTS + 1):
        reply = _exchange(
            "GET", url, headers={"Accept": accept}, body=None, signer=signer, max_bytes=max_bytes, until=until
        )
        location = reply.headers.get("Location")
        if reply.status in REDIRECT_STATUSES and location:
            url = urljoin(url, location)
            continue
        _raise_for_status(url, reply.status)
        return reply
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _exchange(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes | None,
    signer: Signer | None,
    max_bytes: int | None,
    until: float,
) -> _Reply:
    """One request to `url`, over by the monotonic time `until`, signed for that URL when a signer is
    given; the body is read (capped) on 2xx when max_bytes is given."""
    response = _open(method, url, headers=headers, body=body, signer=signer, until=until)
    try:
        content = b""
        if max_bytes is not None and 200 <= response.status < 300:
            content = _read_capped(response, max_bytes, url)
        return _Reply(response.status, response.headers, content)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _network_error(method, url, exc, until) from exc
    finally:
        response.release_conn()


def _network_error(method: str, url: str, exc: Exception, until: float) -> FetchError:
    """What a failed exchange is: TimedOut when the watchdog cut it, a retryable FetchError otherwise."""
    if time.monotonic() >= until:
        return TimedOut(f"{method} {url} did not finish in time", retryable=True)
    return FetchError(f"{method} {url} failed: {exc}", retryable=True)


def _open(
    method: str, url: str, *, headers: dict[str, str], body: bytes | None, signer: Signer | None, until: float
) -> urllib3.BaseHTTPResponse:
    """Send one request to `url` and return the response with its body still unread; its connection is cut
    at the monotonic time `until`.

    The checked addresses are tried in turn when a connection cannot be opened (an IPv6 address on
    a host without IPv6, say), as a browser would; once connected, a failure is final.
    """
    url = _normalised(url)  # what is signed is exactly what is sent
    addresses = _checked_addresses(url)  # before signing, so nothing is signed for a refused URL
    parts = urlsplit(url)
    headers = {"Host": host_header(url), "User-Agent": _user_agent(), **headers}
    if signer is not None:
        headers |= sign_headers(method, url, body, key_id=signer.key_id, private_key_pem=signer.private_key_pem)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    failure: Exception | None = None
    for address in addresses:
        pool = _connection_pool(parts, address, until)
        try:
            return pool.urlopen(
                method,
                target,
                body=body,
                headers=headers,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.ConnectTimeoutError as exc:  # also "connection refused": try the next address
            failure = exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _network_error(method, url, exc, until) from exc
        finally:
            pool.close()  # the response keeps its own connection; nothing else is pooled
    raise _network_error(method, url, failure, until) from failure


class MediaStream:
    """A media file on its way from a peer: status, the headers a player needs, and the body in chunks.

    `chunks()` releases the connection when exhausted or closed; `close()` releases it unread.
    """

    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self._response = response
        self.status = response.status
        self.content_length: str | None = response.headers.get("Content-Length")
        self.content_range: str | None = response.headers.get("Content-Range")

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self._response.read1(64 * 1024):
                yield chunk
        except (urllib3.exceptions.HTTPError, OSError):  # also the MEDIA_DEADLINE watchdog's cut
            return  # the viewer gets a short body and its player retries, as after any network cut
        finally:
            self.close()

    def close(self) -> None:
        self._response.release_conn()


def stream_media(url: str, *, byte_range: str | None = None) -> MediaStream:
    """GET a media file (a followed instance's HLS playlist or fragment) without holding it in memory.

    For the media proxy: the viewer's byte range is passed on, the body is streamed in chunks within
    MEDIA_DEADLINE. Redirects are not followed (a PeerTube origin serves its static files directly).
    Non-2xx answers raise FetchError.
    """
    headers = {"Accept": "*/*", **({"Range": byte_range} if byte_range else {})}
    response = _open("GET", url, headers=headers, body=None, signer=None, until=_deadline_in(MEDIA_DEADLINE))
    if not 200 <= response.status < 300:
        response.release_conn()
        _raise_for_status(url, response.status)
    return MediaStream(response)


class _CutAtDeadline:
    """A connection whose socket a watchdog shuts down at the monotonic time `until`, whatever the request
    is waiting for then (socket timeouts only bound one read, and a peer can send a byte per read)."""

    def __init__(self, *args: object, until: float, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.until = until
        self._watchdog: threading.Timer | None = None

    def connect(self) -> None:
        self._watchdog = threading.Timer(max(0.0, self.until - time.monotonic()), self._cut)
        self._watchdog.daemon = True
        self._watchdog.start()
        super().connect()

    def _cut(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().close()


class _HTTPConnection(_CutAtDeadline, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_CutAtDeadline, urllib3.connection.HTTPSConnection):
    pass


def _connection_pool(parts: SplitResult, address: str, until: float) -> urllib3.HTTPConnectionPool:
    """A pool connecting to `address` while TLS still sends and verifies the URL's host name, its connection
    cut at `until`."""
    remaining = max(0.001, until - time.monotonic())
    timeout = urllib3.Timeout(
        connect=min(TIMEOUT.connect_timeout, remaining), read=min(TIMEOUT.read_timeout, remaining)
    )
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            parts.port or 443,
            timeout=timeout,
            retries=False,
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
            until=until,
        )
        pool.ConnectionCls = _HTTPSConnection
        return pool
    pool = urllib3.HTTPConnectionPool(address, parts.port or 80, timeout=timeout, retries=False, until=until)
    pool.ConnectionCls = _HTTPConnection
    return pool


def _read_capped(response: urllib3.BaseHTTPResponse, max_bytes: int, url: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdecimal() and int(declared) > max_bytes:
        raise FetchError(f"{url} is larger than {max_bytes} bytes")
    chunks, size = [], 0
    while chunk := response.read1(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url} is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(url: str, status: int) -> None:
    if not 200 <= status < 300:
        retryable = status in (408, 429) or status >= 500
        raise FetchError(f"{url} answered HTTP {status}", status=status, retryable=retryable)


def _checked_addresses(url: str) -> list[str]:
    """The addresses to connect to for `url`, after checking the scheme and every address the name has."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(f"not an http(s) URL: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(f"URL with credentials refused: {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {parts.hostname!r}: {exc}", retryable=True) from exc
    except ValueError as exc:  # a bad port, or a name DNS cannot carry (UnicodeError is a ValueError)
        raise UnsafeURL(f"bad host name or port in {url!r}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))  # in resolver order, without repeats
    if not settings.FEDERATION_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if not _is_public(address):
                raise UnsafeURL(f"{parts.hostname!r} resolves to the non-public address {address}")
    return addresses


def _normalised(url: str) -> str:
    """The URL as it goes on the wire: host in punycode, path and query percent-encoded."""
    try:
        return urllib3.util.parse_url(url).url
    except urllib3.exceptions.LocationParseError as exc:
        raise UnsafeURL(f"unreadable URL {url!r}") from exc


def _is_public(address: str) -> bool:
    """A global unicast address. is_global already excludes loopback, private, link-local, reserved,
    unspecified and IPv4-mapped forms of those; multicast ranges count as global, so they are refused here."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    return ip.is_global and not ip.is_multicast


def _user_agent() -> str:
    return f"SideWaysTube/{_VERSION} (+{settings.SIDEWAYS_URL})"
