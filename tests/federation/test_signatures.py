"""HTTP signatures as PeerTube and Mastodon send and check them (docs/PROTOCOL.md §3.9)."""

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from federation.protocol.signatures import (
    MAX_CLOCK_SKEW,
    BadSignature,
    MalformedSignature,
    digest_header,
    generate_keypair,
    key_owner,
    parse_signature_header,
    sign_headers,
    signing_string,
    verify_request,
    verify_signature,
)

KEY_ID = "https://peer.example/accounts/peertube#main-key"
INBOX = "https://peer.example/inbox"
BODY = b'{"type":"Follow","actor":"https://peer.example/accounts/peertube"}'

# A real request signed by Mastodon 2.5, as kept in PeerTube's test fixtures
# (packages/tests/fixtures/ap-json/mastodon/http-signature.json and public-key.json, tag v7.0.0).
MASTODON_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0YyuthHtWWgDe0Fdgdp2
dC5dTJsRqW6pFw5omIYYYjoES/WRewhVxEA54BhmxD3L1zChfx131N1TS8jVowhW
m999jpUffKCCvLgYKIXETJDHiDeMONVx8wp7v9fS1HiFXo/E5und39gUMs14CMFZ
6PE5jRV3r4XIKQJHQl7/X5n5FOb2934K+1TKUeBkbft/AushlKatYQakt3qHxpwx
FvE+JjGo7QTnzdjaOx/e5QvojdGi2Kx4+jl87j2WVcSo5lOBz04OAVJtChtn82vS
ulPdDh3hZcDn+WK67yAhGP6AnzvOybZZS4zowlKiQ3kqjVVXKdl8gAsL4Y7MZ40R
JQIDAQAB
-----END PUBLIC KEY-----
"""
MASTODON_HEADERS = {
    "user-agent": "http.rb/3.3.0 (Mastodon/2.5.0; +http://localhost:3000/)",
    "host": "localhost",
    "date": "Mon, 22 Oct 2018 13:34:22 GMT",
    "accept-encoding": "gzip",
    "digest": "SHA-256=FEr5j2WSSfdEMcG3NTOXuGU0lUchfTJx4+BtUlWOwDk=",
    "content-type": "application/activity+json",
    "signature": (
        'keyId="http://localhost:3000/users/ronan2#main-key",algorithm="rsa-sha256",'
        'headers="(request-target) host date digest content-type",'
        'signature="oLKbgxdFXdXsHJ3x/UsG9Svu7oa8Dyqiy6Jif4wqNuhAqRVMRaG18f+dd2OcfFX3XRGF8p8flZkU6vvoEQBauTwGRGcgXAJu'
        "KC1zYIWGk+PeiW8lNUnE4qGapWcTiFnIo7FKauNdsgqg/tvgs1pQIdHkDDjZMI64twP7sTN/4vG1PCq+kyqi/DM+ORLi/W7vFuLVHt2Iz7ik"
        "fw/R3/mMtS4FwLops+tVYBQ2iQ9DVRhTwLKVbeL/LLVB/tdGzNZ4F4nImBAQQ9I7WpPM6J/k+cBmoEbrUKs8ptx9gbX3OSsl5wlvPVMNzU9F9"
        'yb2MrB/Y/J4qssKz+LbiaktKGj7OQ=="'
    ),
    "content-length": "2815",
}
MASTODON_SENT_AT = datetime(2018, 10, 22, 13, 34, 22, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


def signed(keys, method="POST", url=INBOX, body=BODY, now=None) -> dict[str, str]:
    private_pem, _ = keys
    return sign_headers(method, url, body, key_id=KEY_ID, private_key_pem=private_pem, now=now)


def test_signed_post_verifies_and_names_its_key(keys):
    headers = signed(keys)
    assert headers["Host"] == "peer.example"
    assert headers["Digest"] == digest_header(BODY)
    parsed = verify_request("POST", "/inbox", "", headers, BODY, keys[1])
    assert parsed.key_id == KEY_ID
    assert parsed.algorithm == "rsa-sha256"
    assert parsed.headers == ["(request-target)", "host", "date", "digest"]
    assert key_owner(parsed.key_id) == "https://peer.example/accounts/peertube"


def test_signed_get_has_no_digest_and_verifies(keys):
    headers = signed(keys, method="GET", url="https://peer.example/accounts/peertube", body=None)
    assert "Digest" not in headers
    parsed = verify_request("GET", "/accounts/peertube", "", headers, None, keys[1])
    assert parsed.headers == ["(request-target)", "host", "date"]


def test_host_keeps_a_non_default_port_only(keys):
    assert signed(keys, url="http://peer.example:9000/inbox")["Host"] == "peer.example:9000"
    assert signed(keys, url="https://Peer.Example:443/inbox")["Host"] == "peer.example"


def test_django_style_header_names_are_accepted(keys):
    headers = {name.title(): value for name, value in signed(keys).items()}
    verify_request("POST", "/inbox", "", headers, BODY, keys[1])


def test_mastodon_signature_verifies():
    parsed = parse_signature_header(MASTODON_HEADERS["signature"])
    assert key_owner(parsed.key_id) == "http://localhost:3000/users/ronan2"
    verify_signature(
        parsed, {**MASTODON_HEADERS, "(request-target)": "post /accounts/ronan/inbox"}, MASTODON_PUBLIC_KEY
    )
    with pytest.raises(BadSignature):
        verify_signature(parsed, {**MASTODON_HEADERS, "(request-target)": "post /inbox"}, MASTODON_PUBLIC_KEY)


def test_mastodon_request_is_refused_when_stale_or_with_another_body():
    # The fixture's body was re-serialised, so it no longer matches the signed digest: just what a
    # tampered body looks like. And its 2018 date is far outside the clock skew today.
    with pytest.raises(BadSignature, match="Digest"):
        verify_request(
            "POST", "/accounts/ronan/inbox", "", MASTODON_HEADERS, b"{}", MASTODON_PUBLIC_KEY, now=MASTODON_SENT_AT
        )
    with pytest.raises(BadSignature, match="Date"):
        verify_request("POST", "/accounts/ronan/inbox", "", MASTODON_HEADERS, b"{}", MASTODON_PUBLIC_KEY)


def test_tampered_body_is_refused(keys):
    with pytest.raises(BadSignature, match="Digest"):
        verify_request("POST", "/inbox", "", signed(keys), BODY.replace(b"Follow", b"Delete"), keys[1])


def test_tampered_signed_header_is_refused(keys):
    headers = signed(keys)
    headers["Host"] = "other.example"
    with pytest.raises(BadSignature):
        verify_request("POST", "/inbox", "", headers, BODY, keys[1])


def test_replayed_digest_with_new_body_is_refused(keys):
    # Swapping body and Digest together still breaks the signature, which covers the digest.
    headers = signed(keys)
    other = b'{"type":"Delete"}'
    headers["Digest"] = digest_header(other)
    with pytest.raises(BadSignature, match="does not match"):
        verify_request("POST", "/inbox", "", headers, other, keys[1])


def test_wrong_key_is_refused(keys):
    _, other_public = generate_keypair()
    with pytest.raises(BadSignature):
        verify_request("POST", "/inbox", "", signed(keys), BODY, other_public)


def test_wrong_target_is_refused(keys):
    with pytest.raises(BadSignature):
        verify_request("POST", "/accounts/root/inbox", "", signed(keys), BODY, keys[1])


def test_post_without_signed_digest_is_malformed(keys):
    # A GET-style signature (no digest) replayed as a POST must not carry an unsigned body.
    headers = signed(keys, method="POST", body=None)
    with pytest.raises(MalformedSignature, match="digest"):
        verify_request("POST", "/inbox", "", headers, BODY, keys[1])


def test_signature_must_cover_host(keys):
    headers = signed(keys)
    headers["Signature"] = headers["Signature"].replace("(request-target) host date", "(request-target) date")
    with pytest.raises(MalformedSignature, match="host"):
        verify_request("POST", "/inbox", "", headers, BODY, keys[1])


def test_signed_header_missing_from_request_is_malformed(keys):
    headers = signed(keys)
    del headers["Host"]
    with pytest.raises(MalformedSignature, match="host"):
        verify_request("POST", "/inbox", "", headers, BODY, keys[1])


def test_request_without_signature_is_malformed():
    with pytest.raises(MalformedSignature):
        verify_request("POST", "/inbox", "", {"Host": "peer.example"}, BODY, MASTODON_PUBLIC_KEY)


@pytest.mark.parametrize("offset", [MAX_CLOCK_SKEW + 60, -(MAX_CLOCK_SKEW + 60)])
def test_date_outside_clock_skew_is_refused(keys, offset):
    now = datetime.now(UTC)
    headers = signed(keys, now=now + timedelta(seconds=offset))
    with pytest.raises(BadSignature, match="Date"):
        verify_request("POST", "/inbox", "", headers, BODY, keys[1], now=now)


def test_date_within_clock_skew_is_accepted(keys):
    now = datetime.now(UTC)
    headers = signed(keys, now=now - timedelta(seconds=MAX_CLOCK_SKEW - 60))
    verify_request("POST", "/inbox", "", headers, BODY, keys[1], now=now)


def test_unreadable_date_is_malformed(keys):
    headers = signed(keys)
    headers["Date"] = "yesterday"
    with pytest.raises(MalformedSignature, match="Date"):
        verify_request("POST", "/inbox", "", headers, BODY, keys[1])


def test_hs2019_and_signature_prefix_are_accepted(keys):
    headers = signed(keys)
    headers["Signature"] = "Signature " + headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    parsed = verify_request("POST", "/inbox", "", headers, BODY, keys[1])
    assert parsed.algorithm == "hs2019"


def test_unknown_algorithm_is_malformed(keys):
    headers = signed(keys)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hmac-sha256"')
    with pytest.raises(MalformedSignature, match="algorithm"):
        verify_request("POST", "/inbox", "", headers, BODY, keys[1])


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        'keyId="https://peer.example/actor"',  # no signature
        'keyId="a",signature="not base64!"',
        'keyId="a",signature="AAAA",created="soon"',
        'keyId="a" signature="AAAA"',  # no comma
        'keyId="a",keyId="b",signature="AAAA"',
    ],
)
def test_garbage_signature_header_is_malformed(value):
    with pytest.raises(MalformedSignature):
        parse_signature_header(value)


def test_created_and_expires_parameters_are_read():
    parsed = parse_signature_header(
        'keyId="k",algorithm="hs2019",created=1700000000,expires=1700000300,signature="AAAA"'
    )
    assert (parsed.created, parsed.expires) == (1700000000, 1700000300)


def test_query_string_quirk(keys):
    # PeerTube signs a GET of .../outbox?page=2 as "get .../outbox": we sign the same way,
    # and accept it on a request that carries the query string.
    url = "https://peer.example/accounts/peertube/outbox?page=2"
    headers = signed(keys, method="GET", url=url, body=None)
    verify_request("GET", "/accounts/peertube/outbox", "page=2", headers, None, keys[1])
    with pytest.raises(BadSignature):
        verify_request("GET", "/accounts/peertube/followers", "page=2", headers, None, keys[1])


def hand_signed(keys, signed_names: list[str], values: dict[str, str], extra: str = "") -> str:
    """A Signature header built by hand, for forms sign_headers does not produce."""
    private_key = serialization.load_pem_private_key(keys[0].encode(), password=None)
    raw = private_key.sign(signing_string(signed_names, values), padding.PKCS1v15(), hashes.SHA256())
    return (
        f'keyId="{KEY_ID}",algorithm="hs2019",{extra}headers="{" ".join(signed_names)}",'
        f'signature="{base64.b64encode(raw).decode()}"'
    )


def test_created_expires_and_a_query_in_the_target_are_accepted(keys):
    now = int(time.time())
    names = ["(request-target)", "(created)", "(expires)", "host"]
    values = {
        "(request-target)": "get /accounts/peertube/outbox?page=2",
        "(created)": str(now),
        "(expires)": str(now + 300),
        "host": "peer.example",
    }
    headers = {
        "Host": "peer.example",
        "Signature": hand_signed(keys, names, values, f"created={now},expires={now + 300},"),
    }
    parsed = verify_request("GET", "/accounts/peertube/outbox", "page=2", headers, None, keys[1])
    assert parsed.created == now


def test_expired_signature_is_refused(keys):
    now = int(time.time())
    names = ["(request-target)", "(created)", "(expires)", "host"]
    values = {
        "(request-target)": "get /accounts/peertube",
        "(created)": str(now - 600),
        "(expires)": str(now - 300),
        "host": "peer.example",
    }
    extra = f"created={now - 600},expires={now - 300},"
    headers = {"Host": "peer.example", "Signature": hand_signed(keys, names, values, extra)}
    with pytest.raises(BadSignature, match="expired"):
        verify_request("GET", "/accounts/peertube", "", headers, None, keys[1])
