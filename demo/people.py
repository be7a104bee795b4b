"""The demo cast: community members, a team account and blog feeds, with their platform accounts."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

EN_FIRST = [
    "James",
    "Emma",
    "Olivia",
    "Liam",
    "Noah",
    "Ava",
    "Mia",
    "Ethan",
    "Sophia",
    "Lucas",
    "Chloe",
    "Ryan",
    "Grace",
    "Daniel",
    "Priya",
    "Aisha",
    "Marcus",
    "Hannah",
    "Tom",
    "Rachel",
    "Connor",
    "Zoe",
    "Samir",
    "Leah",
    "Kevin",
    "Nora",
    "Diego",
    "Maya",
    "Oscar",
    "Ruby",
    "Ben",
    "Isla",
    "Arjun",
    "Claire",
    "Owen",
    "Jess",
    "Felipe",
    "Kate",
    "Nate",
    "Alice",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Patel",
    "Khan",
    "Murphy",
    "Kelly",
    "Reed",
    "Cooper",
    "Price",
    "Bennett",
    "Gray",
    "Ward",
    "Brooks",
    "Foster",
    "Nguyen",
    "Garcia",
    "Rossi",
    "Lopez",
    "Fischer",
    "O'Brien",
    "Hayes",
    "Ellis",
    "Mason",
    "Hunt",
    "Palmer",
]
DE_FIRST = [
    "Jürgen",
    "Björn",
    "Jörg",
    "Jan",
    "Lena",
    "Sören",
    "Anja",
    "Katrin",
    "Maximilian",
    "Sophie",
    "Lukas",
    "Jonas",
    "Hannah",
    "Felix",
    "Lea",
    "Tobias",
    "Sarah",
    "Niklas",
    "Julia",
    "Jens",
    "Ute",
    "Dörte",
    "Özlem",
    "Kübra",
    "Matthias",
    "Bärbel",
    "Timo",
    "Franziska",
    "Malte",
    "Merle",
    "Hendrik",
    "Sabine",
    "Götz",
    "Till",
    "Ilka",
    "Moritz",
    "Annika",
]
DE_LAST = [
    "Müller",
    "Schäfer",
    "Weiß",
    "Köhler",
    "Krüger",
    "Schröder",
    "Böhm",
    "Fuchs",
    "Günther",
    "Hoffmann",
    "Neumann",
    "Schmitt",
    "Wagner",
    "Becker",
    "Lehmann",
    "Jäger",
    "Groß",
    "Brückner",
    "Vogt",
    "Kaya",
    "Yılmaz",
    "Öztürk",
    "Scholz",
    "Möller",
    "Hübner",
    "Kühn",
    "Dietrich",
    "Thiele",
    "Sauer",
    "Lorenz",
    "Förster",
    "Bauer",
]
# (given name, family name, handle, family name first without a space as in CJK names)
NON_LATIN = [
    ("美咲", "田中", "misaki_tanaka", True),
    ("翔太", "佐藤", "shota_sato", True),
    ("민준", "김", "minjun_kim", True),
    ("Дмитрий", "Соколов", "dmitry_sokolov", False),
    ("Ольга", "Иванова", "olga_ivanova", False),
    ("Αλέξανδρος", "Παπαδόπουλος", "alex_papadop", False),
    ("ليلى", "حداد", "layla_haddad", False),
    ("Nguyễn", "Thị Lan", "lan_nguyen", False),
]
REDDIT_WORDS = (
    ["Silent", "Curious", "Rusty", "Lazy", "Cosmic", "Grumpy", "Quiet", "Brave", "Sleepy"],
    ["Otter", "Penguin", "Walrus", "Falcon", "Badger", "Kernel", "Packet", "Daemon", "Pixel"],
)
MASTODON_INSTANCES = {
    "en": ["mastodon.social", "fosstodon.org", "hachyderm.io", "infosec.exchange"],
    "de": ["chaos.social", "norden.social", "social.tchncs.de", "mastodon.social"],
}
FEEDS = [
    ("The Sync Report", "syncreport.example", "Sam Porter", "en"),
    ("Dev Tools Weekly", "devtoolsweekly.example", "Alex Moreno", "en"),
    ("SaaS Teardown", "saasteardown.example", "Priya Raman", "en"),
    ("Homelab Notes", "homelab-notes.example", "Chris Doyle", "en"),
    ("Remote Work Stack", "remotestack.example", "Jordan Lee", "en"),
    ("Productive Devs", "productivedevs.example", "Mira Castell", "en"),
    ("Linux-Notizen", "linux-notizen.example", "Jörg Albrecht", "de"),
    ("Kaffee & Code", "kaffee-und-code.example", "Lena Sommer", "de"),
    ("Technikblog Nord", "technikblog-nord.example", "Hauke Petersen", "de"),
    ("Datenschutz konkret", "datenschutz-konkret.example", "Birgit Wölfl", "de"),
    ("IT im Mittelstand", "it-mittelstand.example", "Thomas Gärtner", "de"),
    ("Büro ohne Papier", "buero-ohne-papier.example", "Nele Haas", "de"),
]
TEAM_HANDLE = "nimbus_team"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass
class Person:
    """One human (or the team, or a blog) and their accounts; ``accounts[platform]`` is an author dict."""

    lang: str
    display_name: str
    handle: str
    weight: float
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    is_team: bool = False
    feed: tuple[str, str] | None = None  # (title, domain) for rss


def base36(n: int) -> str:
    """``n`` in base 36, as reddit writes its ids."""
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = B36[r] + out
        if not n:
            return out


def ascii_handle(text: str) -> str:
    """Lower-case ASCII for a handle: ä -> ae, ß -> ss, other accents dropped."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss").replace("ı", "i").replace("'", "")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "_"))


def _handle_for(rng: random.Random, first: str, last: str) -> str:
    f, la = ascii_handle(first), ascii_handle(last)
    patterns = [
        f"{f}{la}",
        f"{f}_{la}",
        f"{f[0]}{la}",
        f"{f}_dev",
        f"{la}{rng.randrange(10, 99)}",
        f"{f}{rng.randrange(80, 100)}",
        f"{f}_{la[:1]}",
        f"{la}_{f[:3]}",
        f"the_{f}",
    ]
    return rng.choice(patterns)[:15]


def _account(rng: random.Random, person: Person, platform: str) -> dict[str, Any]:
    """The author object of ``person`` on ``platform``, in the import schema."""
    handle, name = person.handle, person.display_name
    if platform == "reddit":
        return {
            "id": "t2_" + base36(rng.randrange(36**7, 36**8)),
            "handle": handle,
            "display_name": handle,
            "profile_url": f"https://www.reddit.com/user/{handle}/",
        }
    followers = int(rng.lognormvariate(5.3 if platform == "x" else 4.8, 1.4))
    if platform == "x":
        # Accounts from before 2016 have short ids; newer ones are snowflakes.
        account_id = (
            rng.randrange(10**7, 10**10)
            if rng.random() < 0.4
            else rng.randrange(7 * 10**17, 18 * 10**17)
        )
        return {
            "id": str(account_id),
            "handle": handle,
            "display_name": name,
            "profile_url": f"https://x.com/{handle}",
            "followers": followers,
        }
    instance = rng.choice(MASTODON_INSTANCES[person.lang])
    return {
        "id": str(rng.randrange(10**17, 12 * 10**17)),
        "handle": f"@{handle}@{instance}",
        "display_name": name,
        "profile_url": f"https://{instance}/@{handle}",
        "followers": followers,
    }


def _variant(rng: random.Random, name: str) -> str:
    """A display name the same person might use elsewhere."""
    parts = name.split()
    return rng.choice(
        [
            name,
            name,
            f"{name} 🚲",
            f"{name} (she/her)" if rng.random() < 0.5 else f"{name} 🌱",
            f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 and parts[-1][0].isalpha() else name,
        ]
    )


def make_people(rng: random.Random, community: int = 287, two_platform: int = 40) -> list[Person]:
    """The team, the blog feeds and ``community`` members (``two_platform`` of them on two or,
    one in eight of those, three platforms)."""
    team = Person("en", "Nimbus Team", TEAM_HANDLE, 0.0, is_team=True)
    team.accounts = {p: _account(rng, team, p) for p in ("reddit", "x", "mastodon")}
    team.accounts["x"]["followers"] = 18_400
    team.accounts["mastodon"]["followers"] = 6_150
    team.accounts["mastodon"]["handle"] = f"@{TEAM_HANDLE}@fosstodon.org"
    team.accounts["mastodon"]["profile_url"] = f"https://fosstodon.org/@{TEAM_HANDLE}"
    people = [team]
    for title, domain, author, lang in FEEDS:
        feed = Person(
            lang, author, ascii_handle(author.replace(" ", "_")), 1.0, feed=(title, domain)
        )
        feed.accounts["rss"] = {
            "id": f"https://{domain}/feed.xml",
            "handle": feed.handle,
            "display_name": author,
            "profile_url": f"https://{domain}/",
        }
        people.append(feed)

    used: set[str] = {TEAM_HANDLE}
    non_latin = list(NON_LATIN)
    for i in range(community):
        lang = "de" if rng.random() < 0.36 else "en"
        if lang == "en" and non_latin and i % 30 == 7:
            given, family, handle, family_first = non_latin.pop(0)
            name = f"{family}{given}" if family_first else f"{given} {family}"
        else:
            first = rng.choice(DE_FIRST if lang == "de" else EN_FIRST)
            last = rng.choice(DE_LAST if lang == "de" else EN_LAST)
            name, handle = f"{first} {last}", _handle_for(rng, first, last)
        base = handle
        while handle in used:
            handle = f"{base[:12]}{rng.randrange(10, 999)}"
        used.add(handle)
        people.append(Person(lang, name, handle, min(rng.paretovariate(1.3), 25.0)))

    members = people[1 + len(FEEDS) :]
    for n, person in enumerate(members):
        pair: tuple[str, ...]
        if n < two_platform:
            pair = ("reddit", "x", "mastodon") if n % 8 == 3 else ("reddit", "x") if n % 9 < 5 else ("x", "mastodon")
        else:
            roll = rng.random() + (0.15 if person.lang == "de" else 0.0)
            pair = ("reddit",) if roll < 0.42 else ("x",) if roll < 0.72 else ("mastodon",)
        if pair == ("reddit",) and rng.random() < 0.3:
            # Reddit's suggested names: nothing to match across platforms.
            words = REDDIT_WORDS
            handle = f"{rng.choice(words[0])}_{rng.choice(words[1])}_{rng.randrange(1000, 9999)}"
            if handle not in used:
                used.add(handle)
                person.handle = handle
        for platform in pair:
            account = _account(rng, person, platform)
            if n < two_platform and platform != pair[0]:
                account["display_name"] = _variant(rng, person.display_name)
            person.accounts[platform] = account
    return people
