"""Actor keys and HTTP signatures: the one place that does RSA for ActivityPub.

PeerTube signs every server-to-server request with draft-cavage HTTP signatures (docs/PROTOCOL.md §3.9):
an RSA-SHA256 signature over a "signing string" built from a few request headers, carried in a
`Signature` header whose keyId names the sending actor's key. Signing and verifying share the code
that builds that string, so the two can never disagree about it.
"""

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_SIZE = 2048
MAX_CLOCK_SKEW = 1800  # seconds; PeerTube's tolerance, generous enough for real servers' clocks
ALGORITHMS = ("rsa-sha256", "hs2019")  # hs2019 is what newer senders write for the same RSA-SHA256


class SignatureError(Exception):
    """A request whose signature cannot be trusted."""


class MalformedSignature(SignatureError):
    """The signature is missing, unreadable or does not cover what it must: the request is bad (400/401)."""


class BadSignature(SignatureError):
    """The signature is well formed but wrong, stale, or the body was changed: refuse the sender (401/403)."""


def generate_keypair() -> tuple[str, str]:
    """A new RSA 2048 pair as (PKCS#8 private PEM, SPKI public PEM), the formats PeerTube reads."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@functools.lru_cache(maxsize=256)
def private_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    """One of our actors' keys, ready to sign. Loading a PEM key checks it, which costs tens of milliseconds
    on every delivery otherwise; each process loads each key once."""
    return serialization.load_pem_private_key(private_key_pem.encode(), password=None)


def digest_header(body: bytes) -> str:
    """The `Digest` value for a body: it ties the exact body bytes to the signature."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def host_header(url: str) -> str:
    """The `Host` a request to this URL carries (and signs): lowercase name, port only when not the default.

    The HTTP client sends this same value, so the signed host is the one the peer receives.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets in a Host header
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port != default_port:
        host = f"{host}:{parts.port}"
    return host


def sign_headers(
    method: str,
    url: str,
    body: bytes | None,
    *,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """Headers to add to an outgoing request: Host, Date, Digest (only with a body) and Signature.

    The (request-target) uses the path without the query string, as PeerTube does: a peer that
    verifies like PeerTube rebuilds it that way, and we verify both forms (see verify_request).
    """
    headers = {"Host": host_header(url), "Date": format_datetime(_utc(now), usegmt=True)}
    if body is not None:
        headers["Digest"] = digest_header(body)
    signed = ["(request-target)", "host", "date"] + (["digest"] if body is not None else [])
    values = {name.lower(): value for name, value in headers.items()}
    values["(request-target)"] = f"{method.lower()} {urlsplit(url).path or '/'}"
    signature = private_key(private_key_pem).sign(signing_string(signed, values), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(signed)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


@dataclass(frozen=True)
class ParsedSignature:
    """The parameters of a `Signature` header; `headers` are lowercase names in signing order."""

    key_id: str
    algorithm: str
    headers: list[str]
    signature: bytes
    created: int | None
    expires: int | None


# One `name="value"` (or `name=123` for created/expires) parameter, with its trailing comma.
_PARAMETER = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([0-9]+))\s*(?:,|$)')


def parse_signature_header(value: str) -> ParsedSignature:
    """Read a `Signature` header value; a leading "Signature " (older senders) is tolerated."""
    value = value.strip()
    if value.startswith("Signature "):
        value = value[len("Signature ") :]
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _PARAMETER.match(value, position)
        if match is None or match[1] in params:
            raise MalformedSignature(f"unreadable Signature header near {value[position : position + 20]!r}")
        params[match[1]] = match[2] if match[2] is not None else match[3]
        position = match.end()
    if not params.get("keyId") or not params.get("signature"):
        raise MalformedSignature("Signature header without keyId or signature")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
        created = int(params["created"]) if "created" in params else None
        expires = int(params["expires"]) if "expires" in params else None
    except ValueError as exc:
        raise MalformedSignature(f"bad value in Signature header: {exc}") from exc
    return ParsedSignature(
        key_id=params["keyId"],
        # draft-cavage: no algorithm means "derive it from the key", which hs2019 also means.
        algorithm=params.get("algorithm", "hs2019").lower(),
        # draft-cavage: no headers list means only the date was signed.
        headers=params.get("headers", "date").lower().split(),
        signature=signature,
        created=created,
        expires=expires,
    )


def key_owner(key_id: str) -> str:
    """The actor URL a keyId belongs to: PeerTube's `<actor>#main-key`, or the bare actor URL (PeerTube 7.0)."""
    return key_id.split("#", 1)[0]


def signing_string(signed: list[str], values: Mapping[str, str]) -> bytes:
    """The text that is signed: one `name: value` line per signed header, in the order given.

    `values` maps lowercase header names (and the pseudo-headers "(request-target)", "(created)",
    "(expires)") to their values; a signed header without a value makes the request malformed.
    """
    lines = []
    for name in signed:
        if name not in values:
            raise MalformedSignature(f"signed header {name!r} is not in the request")
        lines.append(f"{name}: {values[name].strip()}")
    return "\n".join(lines).encode()


def verify_signature(parsed: ParsedSignature, values: Mapping[str, str], public_key_pem: str) -> None:
    """Check the RSA-SHA256 signature over the signed headers' `values` (as in signing_string).

    Only the cryptography: verify_request adds the rules on which headers, dates and digest.
    """
    if parsed.algorithm not in ALGORITHMS:
        raise MalformedSignature(f"unsupported signature algorithm {parsed.algorithm!r}")
    try:
        public_key = serialization.load_pem_public_key(public_key_pem.encode())
    except ValueError as exc:
        raise BadSignature("the signer's public key is unreadable") from exc
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise BadSignature("the signer's key is not an RSA key")
    try:
        public_key.verify(parsed.signature, signing_string(parsed.headers, values), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise BadSignature("signature does not match") from exc


def verify_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str,
    *,
    now: datetime | None = None,
) -> ParsedSignature:
    """Raise unless the request is signed by this key; return the parsed signature (for its keyId).

    `path` is the path as the sender wrote it (percent-encoded; Django's `request.path` is the decoded
    form, the same for plain ASCII paths such as inboxes) and `query` the raw query string. `headers`
    may be Django's `request.headers` or any mapping; names are compared case-insensitively. The rules are PeerTube's (docs/PROTOCOL.md §3.9):
    - the checks of check_request (covered headers, times, digest);
    - PeerTube signs the path without the query string, so the target is tried with it, then without.
    """
    parsed, values = check_request(method, headers, body, now=now)
    if parsed.created is not None:
        values["(created)"] = str(parsed.created)
    if parsed.expires is not None:
        values["(expires)"] = str(parsed.expires)
    request_line = method.lower()
    if query:
        try:
            verify_signature(parsed, {**values, "(request-target)": f"{request_line} {path}?{query}"}, public_key_pem)
            return parsed
        except BadSignature:
            pass  # PeerTube signs the bare path: that form is tried next
    verify_signature(parsed, {**values, "(request-target)": f"{request_line} {path}"}, public_key_pem)
    return parsed


def check_request(
    method: str, headers: Mapping[str, str], body: bytes | None, *, now: datetime | None = None
) -> tuple[ParsedSignature, dict[str, str]]:
    """Everything about a signed request that needs no key: raise unless
    - the signature covers (request-target) and host, digest for a POST or any body, and date or (created);
    - the signed Date / (created) lies within MAX_CLOCK_SKEW of `now`, and (expires) has not passed;
    - a Digest header matches the body, so a signed request cannot carry another body.
    Returns the parsed signature and the headers by lower-case name.
    """
    values = {name.lower(): value for name, value in headers.items()}
    if "signature" not in values:
        raise MalformedSignature("request has no Signature header")
    parsed = parse_signature_header(values["signature"])

    required = {"(request-target)", "host"}
    if method.upper() == "POST" or body:
        required.add("digest")
    missing = required - set(parsed.headers)
    if missing:
        raise MalformedSignature(f"signature does not cover {', '.join(sorted(missing))}")
    if "date" not in parsed.headers and "(created)" not in parsed.headers:
        raise MalformedSignature("signature covers neither date nor (created)")

    _check_times(parsed, values, _utc(now).timestamp())
    if "digest" in values:
        _check_digest(values["digest"], body or b"")
    return parsed, values


def _check_times(parsed: ParsedSignature, values: Mapping[str, str], now: float) -> None:
    if "date" in parsed.headers:
        if "date" not in values:
            raise MalformedSignature("date is signed but the request has no Date header")
        try:
            signed_at = parsedate_to_datetime(values["date"]).timestamp()
        except (TypeError, ValueError) as exc:
            raise MalformedSignature(f"unreadable Date header {values['date']!r}") from exc
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            raise BadSignature("Date is too far from now")
    if "(created)" in parsed.headers:
        if parsed.created is None:
            raise MalformedSignature("(created) is signed but the header has no created parameter")
        if abs(now - parsed.created) > MAX_CLOCK_SKEW:
            raise BadSignature("(created) is too far from now")
    if parsed.expires is not None and parsed.expires < now:
        raise BadSignature("signature has expired")


def _check_digest(header: str, body: bytes) -> None:
    """The SHA-256 entry of a Digest header (it may list several algorithms) must match the body."""
    expected = digest_header(body)
    for entry in header.split(","):
        algorithm, _, value = entry.strip().partition("=")
        if algorithm.upper() == "SHA-256":
            if not hmac.compare_digest(f"SHA-256={value}".encode(), expected.encode()):
                raise BadSignature("Digest does not match the body")
            return
    raise BadSignature("Digest header has no SHA-256 value")


def _utc(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)
