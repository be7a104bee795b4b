"""A labelled synthetic population for measuring identity matching (tests and bench).

People with accounts on one to three platforms, with the variants real people use: handles
reused or varied ("jmueller", "juergen_mueller84"), names with and without umlauts, initials,
names in Cyrillic, Greek, Chinese and Arabic script on one platform and in Latin letters on
another. And the cases that make matching hard: different people with the same name, the same
short handle, a fan whose bio links to someone else's profile. Every account carries the id
of the person behind it, so precision and recall can be measured.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Author, Mention

PLATFORMS = ("reddit", "x", "mastodon", "bluesky")
BASE_URL = {"reddit": "https://reddit.com/user/", "x": "https://x.com/", "mastodon": "https://mastodon.social/@",
            "bluesky": "https://bsky.app/profile/"}
# (native first, native last, latin first, latin last, language)
NAMES = [
    ("Jürgen", "Müller", "Juergen", "Mueller", "de"), ("Jörg", "Schäfer", "Joerg", "Schaefer", "de"),
    ("Günther", "Bäcker", "Guenther", "Baecker", "de"), ("Björn", "Köhler", "Bjoern", "Koehler", "de"),
    ("Sören", "Weiß", "Soeren", "Weiss", "de"), ("Anna", "Schmidt", "Anna", "Schmidt", "de"),
    ("Lena", "Fischer", "Lena", "Fischer", "de"), ("Katrin", "Hoffmann", "Katrin", "Hoffmann", "de"),
    ("Uwe", "Krüger", "Uwe", "Krueger", "de"), ("Heike", "Schröder", "Heike", "Schroeder", "de"),
    ("Jan", "Wagner", "Jan", "Wagner", "de"), ("Bärbel", "Lößner", "Baerbel", "Loessner", "de"),
    ("Tobias", "Brückner", "Tobias", "Brueckner", "de"), ("Miriam", "Vogel", "Miriam", "Vogel", "de"),
    ("John", "Smith", "John", "Smith", "en"), ("Jane", "Smith", "Jane", "Smith", "en"),
    ("Emily", "Clark", "Emily", "Clark", "en"), ("Michael", "Brown", "Michael", "Brown", "en"),
    ("Sarah", "Johnson", "Sarah", "Johnson", "en"), ("David", "Lee", "David", "Lee", "en"),
    ("Olivia", "Martinez", "Olivia", "Martinez", "en"), ("Daniel", "Walker", "Daniel", "Walker", "en"),
    ("Grace", "Hopper", "Grace", "Hopper", "en"), ("Liam", "O'Connor", "Liam", "OConnor", "en"),
    ("Chloé", "Dubois", "Chloe", "Dubois", "fr"), ("François", "Lefèvre", "Francois", "Lefevre", "fr"),
    ("José", "García", "Jose", "Garcia", "es"), ("Zoë", "Ørsted", "Zoe", "Orsted", "en"),
    ("Дмитрий", "Иванов", "Dmitry", "Ivanov", "ru"), ("Екатерина", "Смирнова", "Ekaterina", "Smirnova", "ru"),
    ("Сергей", "Кузнецов", "Sergey", "Kuznetsov", "ru"), ("Ольга", "Попова", "Olga", "Popova", "ru"),
    ("Γιώργος", "Παπαδόπουλος", "Giorgos", "Papadopoulos", "el"),
    ("Ελένη", "Νικολάου", "Eleni", "Nikolaou", "el"),
    ("伟", "王", "Wei", "Wang", "zh"), ("娜", "李", "Na", "Li", "zh"), ("敏", "张", "Min", "Zhang", "zh"),
    ("洋", "刘", "Yang", "Liu", "zh"), ("静", "陈", "Jing", "Chen", "zh"),
    ("محمد", "علي", "Mohamed", "Ali", "ar"), ("فاطمة", "حسن", "Fatima", "Hassan", "ar"),
    ("Ayşe", "Yılmaz", "Ayse", "Yilmaz", "tr"), ("Łukasz", "Wójcik", "Lukasz", "Wojcik", "pl"),
]
FIRST_EXTRA = ["Paul", "Nina", "Felix", "Marta", "Oskar", "Ida", "Hugo", "Clara", "Emil", "Lotte", "Noah",
               "Maya", "Theo", "Rosa", "Finn", "Alma", "Karl", "Vera", "Leon", "Frieda", "Mats", "Greta",
               "Jonas", "Helene", "Elias", "Mila", "Anton", "Luisa", "Moritz", "Pia", "Ruben", "Jule",
               "Simon", "Carla", "Henrik", "Edda", "Linus", "Ronja", "Aaron", "Nele"]
# Surnames from parts ("Oberhuber", "Steinbrenner"): a name space as wide as a real one.
_PRE = ["Ober", "Unter", "Neu", "Alt", "Berg", "Wald", "Stein", "Hof", "Feld", "Brunn", "Kirch", "Mühl",
        "Lind", "Eich", "Rosen", "Sommer", "Winter", "Kling", "Hart", "Schön"]
_MID = ["", "", "en", "el", "ing", "s", "ke", "li", "ber", "dor"]
_SUF = ["mann", "er", "hofer", "bauer", "berger", "meier", "huber", "inger", "brenner", "wald", "hagen",
        "thal", "ecker", "mayr", "lechner"]
LAST_EXTRA = [p + m + s for p in _PRE for m in sorted(set(_MID)) for s in _SUF]
SHORT_HANDLES = ["mike", "alex", "sam", "max", "kat", "jo", "ben", "tom"]
UNRELATED = ["coffeelover", "nightowl", "pixelpusher", "trailrunner", "bookworm", "synthwave", "gardenfan",
             "moonwalker", "quietstorm", "bytecrafter"]
TEXTS = {"de": "Danke für das Update, das hilft mir sehr", "en": "Thanks for the update, this helps a lot",
         "fr": "Merci pour la mise à jour", "es": "Gracias por la actualización", "ru": "Спасибо за обновление",
         "el": "Ευχαριστώ για την ενημέρωση", "zh": "谢谢你的更新", "ar": "شكرا على التحديث",
         "tr": "Güncelleme için teşekkürler", "pl": "Dzięki za aktualizację"}


@dataclass
class Account:
    person: int
    platform: str
    external_id: str
    handle: str
    display_name: str
    language: str
    hour: int
    profile: dict[str, Any] = field(default_factory=dict)
    avatar: str | None = None

    @property
    def url(self) -> str:
        return BASE_URL[self.platform] + self.handle


@dataclass
class Population:
    accounts: list[Account]

    def person_of(self) -> dict[tuple[str, str], int]:
        return {(a.platform, a.external_id): a.person for a in self.accounts}

    def true_pairs(self) -> set[tuple[tuple[str, str], tuple[str, str]]]:
        """Every pair of accounts that belong to one person."""
        by: dict[int, list[tuple[str, str]]] = {}
        for a in self.accounts:
            by.setdefault(a.person, []).append((a.platform, a.external_id))
        return {(x, y) if x < y else (y, x) for keys in by.values() for i, x in enumerate(keys) for y in keys[i + 1:]}


def _fold_de(s: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        s = s.replace(a, b)
    return s


def _handle(rng: random.Random, first: str, last: str) -> str:
    f, la = first.lower().replace("'", ""), last.lower().replace("'", "")
    style = rng.random()
    if style < 0.3:
        h = f[0] + la
    elif style < 0.55:
        h = f + la
    elif style < 0.75:
        h = f"{f}_{la}"
    elif style < 0.9:
        h = f"{f}.{la}"
    else:
        h = la + f[0]
    return h + (str(rng.randint(1, 9999)) if rng.random() < 0.4 else "")


def _display(rng: random.Random, nf: str, nl: str, lf: str, ll: str, lang: str) -> str:
    native_order = f"{nl}{nf}" if lang == "zh" else f"{nf} {nl}"
    r = rng.random()
    if lang in ("ru", "el", "zh", "ar"):
        return native_order if r < 0.5 else f"{lf} {ll}"
    if r < 0.5:
        return f"{nf} {nl}"
    if r < 0.75:
        return f"{lf} {ll}"
    if r < 0.87:
        return _fold_de(f"{nf} {nl}").replace("ae", "a").replace("oe", "o").replace("ue", "u") if lang == "de" else f"{nf} {nl}"
    return f"{nf[0]}. {nl}"


def build(n_people: int = 300, seed: int = 7) -> Population:
    """A population of about ``n_people`` people, deterministic for a seed."""
    rng = random.Random(seed)
    accounts: list[Account] = []
    used: set[tuple[str, str]] = set()
    # About three people per shared name at any size, so namesakes stay as common as in life.
    shared_names = min(0.3, 3 * len(NAMES) / max(1, n_people))
    for person in range(n_people):
        if rng.random() < shared_names:
            nf, nl, lf, ll, lang = rng.choice(NAMES)  # shared names: look-alikes are common
        else:
            nf = lf = rng.choice(FIRST_EXTRA)
            nl = rng.choice(LAST_EXTRA)
            ll = _fold_de(nl)
            lang = rng.choice(["de", "en"])
        k = rng.choices([1, 2, 3], weights=[3, 5, 2])[0]
        platforms = rng.sample(PLATFORMS, k)
        base = _handle(rng, lf, ll)
        if rng.random() < 0.06:
            base = rng.choice(SHORT_HANDLES)
        hour = rng.randrange(24)
        avatar = f"https://gravatar.com/avatar/{rng.getrandbits(64):x}" if rng.random() < 0.2 else None
        website = f"https://{ll.lower()}{rng.randint(1, 999)}.example.org" if rng.random() < 0.12 else None
        email = f"{lf.lower()}.{ll.lower()}{rng.randint(1, 9999)}@mail.example" if rng.random() < 0.1 else None
        mutual = rng.random() < 0.1
        mine = []
        for platform in platforms:
            r = rng.random()
            handle = base if r < 0.55 else _handle(rng, lf, ll) if r < 0.85 else rng.choice(UNRELATED) + str(rng.randint(1, 999))
            while (platform, handle.lower()) in used:
                handle = f"{handle}{rng.randint(0, 9)}"
            used.add((platform, handle.lower()))
            acc = Account(person, platform, f"{platform}-{len(accounts)}", handle,
                          _display(rng, nf, nl, lf, ll, lang), lang, hour,
                          avatar=avatar if rng.random() < 0.8 else None)
            if website and rng.random() < 0.8:
                acc.profile["website"] = website
            if email:
                acc.profile["email"], acc.profile["email_verified"] = email, rng.random() < 0.7
            accounts.append(acc)
            mine.append(acc)
        if mutual and len(mine) >= 2:
            mine[0].profile.setdefault("links", []).append(mine[1].url)
            mine[1].profile.setdefault("links", []).append(mine[0].url)
    # Fans: someone links to a stranger's profile in their bio (one way).
    for acc in rng.sample(accounts, max(1, len(accounts) // 40)):
        other = rng.choice(accounts)
        if other.person != acc.person:
            acc.profile.setdefault("links", []).append(other.url)
    return Population(accounts)


def mentions(pop: Population, per_account: int = 4, seed: int = 7) -> list[Mention]:
    """Interactions for every account, in its person's language and hours of day."""
    rng = random.Random(seed)
    t0 = datetime(2025, 1, 6, tzinfo=UTC)
    out = []
    for acc in pop.accounts:
        author = Author(id=acc.external_id, handle=acc.handle, display_name=acc.display_name,
                        profile_url=acc.url, avatar_url=acc.avatar)
        for k in range(per_account):
            when = t0 + timedelta(days=rng.randint(0, 60), hours=acc.hour + rng.randint(0, 2), minutes=rng.randint(0, 59))
            out.append(Mention(platform=acc.platform, external_id=f"{acc.external_id}-m{k}", author=author,
                               created_at=when, text=TEXTS[acc.language], language=acc.language,
                               kind=rng.choice(["post", "comment", "reply"]),
                               thread_id=f"t{rng.randint(0, 400)}"))
    return out


def profiles(pop: Population) -> list[dict[str, Any]]:
    """Profile facts (website, links, e-mail) as a profile import would bring them."""
    return [{"platform": a.platform, "external_id": a.external_id, **a.profile} for a in pop.accounts if a.profile]
