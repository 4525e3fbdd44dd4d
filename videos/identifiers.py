"""What URLs name things by: PeerTube's short UUIDs (the UUID's 128-bit value in the flickr base58 alphabet,
padded to 22 chars), video ids, numbers, and account or channel handles."""

import uuid

from django.conf import settings

ALPHABET = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
SHORT_UUID_LENGTH = 22


def to_short_uuid(value: uuid.UUID) -> str:
    number = value.int
    digits = []
    while number:
        number, remainder = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(SHORT_UUID_LENGTH, ALPHABET[0])


def from_short_uuid(text: str) -> uuid.UUID | None:
    """The UUID a short UUID stands for, or None when the text is not one."""
    if not 0 < len(text) <= SHORT_UUID_LENGTH or any(char not in ALPHABET for char in text):
        return None
    number = 0
    for char in text:
        number = number * len(ALPHABET) + ALPHABET.index(char)
    if number >= 1 << 128:
        return None
    return uuid.UUID(int=number)


def ascii_number(text: str) -> int | None:
    """The non-negative integer `text` writes in ASCII digits, or None: "²" is a digit to str.isdigit()
    but int() refuses it, and other scripts' digits name nothing in a URL or header."""
    return int(text) if text.isascii() and text.isdigit() else None


def parse_video_id(text: str) -> dict | None:
    """How to look a video up from a URL part: numeric id, UUID or short UUID (PeerTube accepts all three)."""
    if (number := ascii_number(text)) is not None:
        return {"pk": number}
    try:
        return {"uuid": uuid.UUID(text)}
    except ValueError:
        pass
    parsed = from_short_uuid(text)
    return {"uuid": parsed} if parsed else None


def handle_lookup(handle: str) -> dict:
    """How to look an account or channel up from `name` or `name@host` (our own host counts as local);
    the API, the pages and the feeds all address them so."""
    name, _sep, host = handle.partition("@")
    host = host.lower()  # host names ignore case; remote rows store theirs in lower case
    return {"name": name, "host": "" if host == settings.INSTANCE_HOST.lower() else host}
