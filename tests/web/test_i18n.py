"""French first, English on request: every UI string of the main pages exists in both languages.

The check compares each page rendered in French and in English: any piece of interface text that comes
out the same in both (other than user content and words French and English share) was not translated.
"""

from html.parser import HTMLParser

import pytest

from federation.actors.local import ensure_instance_actor
from federation.models import Actor, Follow
from tests.factories import create_remote_video, make_video
from videos.models import Tag

pytestmark = pytest.mark.django_db

# Words that are spelt the same in French and English, and language codes.
SAME_IN_BOTH = {
    "FR",
    "EN",
    "Français",
    "English",
    "Administration",
    "Pages",
    "Description",
    "Licence",
    "Audio",
    "Auto",
    "Volume",
    "Instance",
    "Actions",
    "Contact",
    "Art",
    "Films",
    "Sports",
    "Attribution",
    "Public",
    "Breton",
    "Catalan",
    "Basque",
    "Hindi",
    "Swahili",
    "Occitan",
    "Wolof",
    "·",
    "–",
    "—",
    "%",
    "@",
    "#",
}
ATTRIBUTES = ("placeholder", "aria-label", "title", "alt", "data-too-large", "data-network-error")


class InterfaceText(HTMLParser):
    """Visible text nodes and the attributes people read (labels, placeholders), outside scripts."""

    def __init__(self):
        super().__init__()
        self.texts: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1
        self.texts.update(value.strip() for name, value in attrs if name in ATTRIBUTES and value and value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.add(" ".join(data.split()))


def interface_text(html: str) -> set[str]:
    parser = InterfaceText()
    parser.feed(html)
    return parser.texts


@pytest.fixture
def video(user):
    channel = user.account.channels.get()
    video = make_video(
        channel, "Zqx episode", description="Zqx description", duration=95, category=1, licence=1, language="fr"
    )
    video.tags.add(Tag.objects.create(name="zqxtag"))
    return video


def _user_content(text: str) -> bool:
    """Names, numbers and dates come from the data, not from the interface."""
    return any(word in text for word in ("Zqx", "zqx", "alice", "Peer ", "SideWays Tube")) or not any(
        c.isalpha() for c in text
    )


@pytest.fixture
def remote_video(db):
    """A video of an instance we follow (its host, zqx.example, is user content like the names)."""
    peer = Actor.objects.create(
        type=Actor.Type.APPLICATION,
        preferred_username="peertube",
        host="zqx.example",
        url="https://zqx.example/accounts/peertube",
        public_key_pem="-",
    )
    Follow.objects.create(actor=ensure_instance_actor(), target=peer, state=Follow.State.PENDING)
    Follow.objects.create(actor=peer, target=ensure_instance_actor(), state=Follow.State.ACCEPTED)
    return create_remote_video("https://zqx.example", name="Zqx remote")


def _pages(video, remote_video) -> list[str]:
    return [
        "/",
        "/videos/trending",
        "/videos/local",
        "/videos/followed",
        f"/w/{video.short_uuid}",
        f"/w/{remote_video.short_uuid}",
        "/c/alice_channel",
        "/a/alice",
        "/search?search=Zqx",
        "/videos/tags/zqxtag",
        "/videos/categories",
        "/about",
        "/videos/upload",
        "/my-library/videos",
        f"/videos/update/{video.short_uuid}",
        f"/videos/delete/{video.short_uuid}",
        "/w/doesNotExist",
    ]


def _untranslated(client, url: str) -> set[str]:
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in french and '<html lang="en">' in english, url
    return {
        text
        for text in interface_text(french) & interface_text(english)
        if text not in SAME_IN_BOTH and not _user_content(text)
    }


def test_main_pages_have_no_untranslated_interface_text(client, video, remote_video, admin_user):
    untranslated = {url: sorted(texts) for url in ("/", "/login") if (texts := _untranslated(client, url))}
    client.login(username="alice", password="alice-password-1")
    for url in _pages(video, remote_video):
        if same := _untranslated(client, url):
            untranslated[url] = sorted(same)
    client.force_login(admin_user)
    for url in ("/admin/settings", "/admin/following"):
        if same := _untranslated(client, url):
            untranslated[url] = sorted(same)
    assert untranslated == {}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["Vidéos récentes", "Rechercher des vidéos", "Se connecter", "À propos de"]),
        ("en", ["Recent videos", "Search videos", "Log in", "About"]),
    ],
)
def test_language_comes_from_accept_language(client, video, language, expected):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in expected:
        assert text in html


def test_french_is_the_default(client, video):
    html = client.get(f"/w/{video.short_uuid}").content.decode()
    assert '<html lang="fr">' in html and "Musique" in html and "1 vue" not in html and "0 vue" in html


def test_switcher_sets_the_language_only_on_click(client, video):
    first = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert first.cookies == {}  # an anonymous visit leaves no cookie
    switched = client.post("/language", {"language": "en", "next": "/videos/trending"})
    assert switched.status_code == 302 and switched["Location"] == "/videos/trending"
    assert switched.cookies["django_language"].value == "en"
    assert switched.cookies["django_language"]["max-age"] == 365 * 24 * 3600
    assert "Trending" in client.get("/videos/trending", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    client.post("/language", {"language": "fr", "next": "/"})
    assert "Vidéos récentes" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
