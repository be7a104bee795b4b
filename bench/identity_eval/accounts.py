"""People and their accounts: names shown as people show them, handles, profile links.

Nothing here knows how the product matches accounts; it encodes how people write their
names and handles on Reddit, X, Mastodon and blogs, and the forms in which they point to
their other accounts (or to a friend's, a partner's, the brand's).
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

from bench.identity_eval import names as N

INSTANCES = [
    "mastodon.social", "mastodon.social", "mastodon.social", "fosstodon.org", "chaos.social",
    "hachyderm.io", "mastodon.online", "troet.cafe", "norden.social", "social.tchncs.de",
    "infosec.exchange", "mas.to", "det.social", "mstdn.social", "ruhr.social", "sueden.social",
    "floss.social", "toot.community",
]
SUBREDDITS = ["fernbox", "fernbox", "selfhosted", "DataHoarder", "de", "linux", "sysadmin",
              "cloudstorage", "de_EDV", "privacy"]
EMOJI = ["🌻", "💻", "☕", "🚲", "🏳️‍🌈", "🇩🇪", "🇪🇺", "🇺🇦", "🇬🇷", "✨", "🌱", "🐧", "🎸", "📷",
         "🏔️", "⛵", "🦀", "🐍", "🌈", "🔥", "🧶", "🎮", "🐈", "🇬🇧", "🇺🇸", "🍕", "📚", "🏃‍♀️"]
CUSTOM_EMOJI = [":mastodon:", ":verified:", ":rss:", ":blobcat:", ":linux:", ":fediverse:",
                ":python:", ":rust:", ":neocat:", ":flag_de:"]
PRONOUNS_EN = ["(she/her)", "(he/him)", "(they/them)", "she/her", "he/him", "(she/they)"]
PRONOUNS_DE = ["(sie/ihr)", "(er/ihm)", "(they/them)", "(she/her)", "(he/him)"]
JOBS = ["DevOps", "Rust & Linux", "UX", "Data", "SRE", "Frontend", "Fotografie", "Lehrerin",
        "IT-Admin", "PhD student", "Security", "Open Source"]


@dataclass
class Account:
    """One account as the platform and the profile import show it, plus what the truth needs."""

    pid: str
    platform: str
    external_id: str
    handle: str
    display_name: str = ""
    profile_url: str | None = None
    avatar_url: str | None = None
    followers: int | None = None
    bio: str = ""
    website: str | None = None
    links: list[str] = field(default_factory=list)
    email: str | None = None
    email_verified: bool = False
    full_name_shown: bool = False  # first and family name readable in the display name
    lang: str = "en"
    hour_shift: float = 0.0
    n_posts: int = 1
    refs: list[tuple[str, str]] = field(default_factory=list)  # (target key, where), unique targets
    instance: str = ""
    domain: str = ""  # blogs
    site_listed: bool = False  # lists the person's personal site (not a shared one)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.external_id}"


@dataclass
class Person:
    """A person (or the brand) with a kind of case, names, languages and active hours."""

    pid: str
    kind: str
    origin: str
    gender: str
    first: tuple[str, ...]
    last: tuple[str, ...]
    lang: str
    peak_hour: float
    spread: float
    accounts: list[Account] = field(default_factory=list)
    site: str | None = None  # a personal site or code-hosting profile some of their profiles list


def ascii_fold(s: str, umlaut_e: bool = True) -> str:
    """'Müller' -> 'Mueller' (or 'Muller'), 'Łukasz' -> 'Lukasz': how people type names in handles."""
    if umlaut_e:
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
            s = s.replace(a, b)
    s = s.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("ı", "i")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def pick_name(rng: random.Random, origin: str, gender: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A first and family name (each a tuple: native spelling, then Latin spellings in use)."""
    f = gender == "f"
    if origin == "de":
        return rng.choice(N.DE_FIRST_F if f else N.DE_FIRST_M), rng.choice(N.DE_LAST)
    if origin == "en":
        return rng.choice(N.EN_FIRST_F if f else N.EN_FIRST_M), rng.choice(N.EN_LAST)
    if origin == "dia":
        return rng.choice(N.DIA_FIRST), rng.choice(N.DIA_LAST)
    if origin == "el":
        m_last, f_last = rng.choice(N.EL_LAST)
        return rng.choice(N.EL_FIRST_F if f else N.EL_FIRST_M), (f_last if f else m_last)
    first = rng.choice(N.RU_FIRST_F if f else N.RU_FIRST_M)
    last = rng.choice(N.RU_LAST)
    if f and last[0].endswith(("ов", "ев", "ёв", "ин")):
        last = (last[0] + "а", *(x + "a" for x in last[1:]))
    return first, last


def latin(spellings: tuple[str, ...], rng: random.Random, origin: str) -> str:
    """A Latin spelling someone of this origin really uses (native when already Latin)."""
    if origin in ("el", "ru"):
        opts = spellings[1:]
        return opts[0] if rng.random() < 0.6 else rng.choice(opts)
    return spellings[0]


def decorate(rng: random.Random, name: str, platform: str, lang: str, p: float = 0.45, gender: str = "") -> str:
    """Emoji, pronouns, custom emoji, a job after a pipe: what display names carry."""
    if rng.random() > p:
        return name
    r = rng.random()
    if r < 0.35:
        e = "".join(rng.sample(EMOJI, rng.choice((1, 1, 2))))
        return f"{name} {e}" if rng.random() < 0.8 else f"{e} {name}"
    if r < 0.6:
        pron = PRONOUNS_DE if lang == "de" else PRONOUNS_EN
        fits = [x for x in pron if ("they" in x) or (gender == "f") == ("she" in x or "sie" in x)]
        return f"{name} {rng.choice(fits if rng.random() < 0.9 else pron)}"
    if r < 0.8 and platform == "mastodon":
        return f"{name} {rng.choice(CUSTOM_EMOJI)}" if rng.random() < 0.8 else f"{rng.choice(CUSTOM_EMOJI)} {name}"
    if r < 0.9:
        return f"{name} | {rng.choice(JOBS)}"
    return f"Dr. {name}" if rng.random() < 0.5 else f"{name}, PhD"


def show_name(rng: random.Random, person: Person, style: str, script: str, platform: str) -> tuple[str, bool]:
    """The display name in ``style`` (full, first, initial, nick) and ``script`` (native, latin, ascii)."""
    o = person.origin
    if script == "native":
        first, last = person.first[0], person.last[0]
    elif script == "ascii":
        ue = rng.random() < 0.65
        first, last = ascii_fold(latin(person.first, rng, o), ue), ascii_fold(latin(person.last, rng, o), ue)
    else:
        first, last = latin(person.first, rng, o), latin(person.last, rng, o)
    if style == "full":
        name, full = f"{first} {last}", True
    elif style == "first":
        name, full = first, False
    elif style == "initial":
        name, full = f"{first} {last[0]}.", False
    else:  # nick: a nickname or a word, no name
        name, full = rng.choice([first.lower(), f"{first[:3].lower()}{rng.randint(1, 99)}",
                                 rng.choice(N.HANDLE_ADJ).title() + " " + rng.choice(N.HANDLE_NOUN).title()]), False
    return decorate(rng, name, platform, person.lang, gender=person.gender), full


def name_handle(rng: random.Random, person: Person, platform: str, form: str | None = None) -> str:
    """A handle built from the name the way people build them (anna_mueller, amueller92, ...)."""
    ue = rng.random() < 0.8
    f = re.sub(r"[^A-Za-z]", "", ascii_fold(latin(person.first, rng, person.origin), ue)).lower()
    la = re.sub(r"[^A-Za-z]", "", ascii_fold(latin(person.last, rng, person.origin), ue)).lower()
    sep_ok = {"x": "_", "reddit": "_-", "mastodon": "_.", "rss": "-"}.get(platform, "_")
    forms = ["firstlast", "first_last", "flast", "first_l", "lastfirst", "firstlast_n", "flast_n",
             "first.last", "First_Last", "last_first", "firstla", "lastf"]
    form = form or rng.choice(forms)
    n = str(rng.choice([rng.randint(1, 99), rng.randint(1970, 2005)]))
    sep = rng.choice(sep_ok)
    h = {
        "firstlast": f + la, "first_last": f + sep + la, "flast": f[0] + la, "first_l": f + sep + la[0],
        "lastfirst": la + f, "firstlast_n": f + la + n, "flast_n": f[0] + la + n,
        "first.last": f + sep + la, "First_Last": f.title() + sep + la.title(), "last_first": la + sep + f,
        "firstla": f + la[:3], "lastf": la + f[0],
    }[form]
    return fit_handle(h, platform)


def fit_handle(h: str, platform: str) -> str:
    """Keep a handle within what the platform allows (X: 15 characters, letters, digits, _)."""
    if platform == "x":
        h = re.sub(r"[^A-Za-z0-9_]", "_", h)[:15]
    elif platform == "reddit":
        h = re.sub(r"[^A-Za-z0-9_-]", "_", h)[:20]
    elif platform == "mastodon":
        h = re.sub(r"[^A-Za-z0-9_.]", "_", h)[:30].strip(".")
    if len(h) < 3:
        h = h + "_" + "x" * (3 - len(h))
    return h


def random_handle(rng: random.Random, platform: str) -> str:
    """A handle that says nothing about the name (quietfox_77, nordlicht, kitesurfer_kiel)."""
    r = rng.random()
    if r < 0.2:
        # Distinctive handles are mostly unique; people whose first choice was taken add digits.
        h = rng.choice(N.HOBBY_HANDLES) + (str(rng.randint(1, 999)) if rng.random() < 0.9 else "")
    elif r < 0.85:
        sep = rng.choice(["", "_", ""])
        h = rng.choice(N.HANDLE_ADJ) + sep + rng.choice(N.HANDLE_NOUN)
        if rng.random() < 0.75:
            h += str(rng.randint(1, 9999))
    else:  # Reddit's generated names: Adjective_Noun_1234
        h = f"{rng.choice(N.HANDLE_ADJ).title()}-{rng.choice(N.HANDLE_NOUN).title()}-{rng.randint(100, 9999)}"
    return fit_handle(h, platform)


# --- where an account lives, and the ways people point to it -----------------------------------
def home_url(a: Account, rng: random.Random | None = None) -> str:
    """The canonical URL of an account (what a profile import stores as profile_url)."""
    if a.platform == "x":
        return f"https://x.com/{a.handle}"
    if a.platform == "reddit":
        return f"https://www.reddit.com/user/{a.handle}"
    if a.platform == "mastodon":
        return f"https://{a.instance}/@{a.handle.split('@')[0]}"
    return a.profile_url or f"https://{a.domain}/"


def ref_forms(a: Account) -> tuple[list[str], list[str], list[str]]:
    """(URL forms, bio text by its owner, bio text by someone else) that point to account ``a``."""
    h = a.handle
    if a.platform == "x":
        urls = [f"https://x.com/{h}", f"https://twitter.com/{h}", f"twitter.com/{h}", f"x.com/{h}",
                f"https://mobile.twitter.com/{h}", f"https://www.twitter.com/{h.lower()}",
                f"http://twitter.com/{h}", f"https://x.com/{h}?s=21&t=Xk2vB7qLm9Q"]
        text = [f"@{h} on twitter", f"also @{h} on the bird site", f"X: @{h}", f"twitter.com/{h}",
                f"x.com/{h}", f"(formerly @{h} on Twitter)"]
        other = [f"@{h}", f"@{h} (X)", f"x.com/{h}", f"https://twitter.com/{h}"]
    elif a.platform == "reddit":
        urls = [f"https://www.reddit.com/user/{h}", f"https://reddit.com/u/{h}", f"reddit.com/u/{h}",
                f"https://www.reddit.com/user/{h}/", f"https://old.reddit.com/user/{h}",
                f"https://www.reddit.com/u/{h}/"]
        text = [f"u/{h} on reddit", f"/u/{h}", f"reddit: u/{h}", f"reddit.com/u/{h}"]
        other = [f"u/{h}", f"/u/{h}", f"reddit.com/u/{h}"]
    elif a.platform == "mastodon":
        u = h.split("@")[0]
        urls = [f"https://{a.instance}/@{u}", f"https://{a.instance}/@{u}/", f"https://{a.instance}/users/{u}",
                f"{a.instance}/@{u}"]
        text = [f"@{u}@{a.instance}", f"Mastodon: @{u}@{a.instance}", f"find me at {u}@{a.instance}",
                f"🐘 @{u}@{a.instance}", f"https://{a.instance}/@{u}"]
        other = [f"@{u}@{a.instance}", f"https://{a.instance}/@{u}", f"{u}@{a.instance}"]
    else:
        base = a.profile_url or f"https://{a.domain}/"
        urls = [base, base.rstrip("/"), base.replace("https://", "")]
        text = [f"I blog at {a.domain}", f"Blog: {base}", a.domain]
        other = [a.domain, base]
    return urls, text, other


def add_ref(rng: random.Random, src: Account, dst: Account, unique: bool = True, prefix: str = "",
            url_only: bool = False) -> None:
    """Make ``src``'s profile point to ``dst`` in one of the ways people do it.

    ``prefix`` ("married to", "Podcast with") goes before the reference when it is written in
    the bio; ``url_only`` keeps to URLs (a brand's account is linked, not described).
    """
    urls, texts, others = ref_forms(dst)
    if src.pid != dst.pid:
        texts = others  # "married to @anna", never "also @anna on the bird site"
    if url_only:
        texts = [u for u in urls if "://" in u] or urls
    where = rng.choices(["links", "website", "bio"], weights=[0.45, 0.2, 0.35])[0]
    if where == "website" and (src.website or src.platform == "reddit"):
        where = "links"
    if where == "links":
        src.links.append(rng.choice(urls))
    elif where == "website":
        src.website = rng.choice(urls)
        if rng.random() < 0.5:  # some imports list the website field among the links, some not
            src.links.append(src.website)
    else:
        bit = rng.choice(texts)
        if "://" in bit and src.platform == "x":
            # X shows bio URLs as t.co links; the expanded URL only comes with the entities.
            src.links.append(bit.split()[-1])
            bit = bit.replace(bit.split()[-1], f"https://t.co/{_tco(rng)}")
        elif "://" in bit and rng.random() < 0.5:
            src.links.append(bit.split()[-1])
        bit = f"{prefix} {bit}".strip()
        src.bio = f"{src.bio} {bit}".strip() if src.bio and rng.random() < 0.5 else f"{bit} · {src.bio}".strip(" ·")
    if unique:
        src.refs.append((dst.key, where))


def _tco(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10))


BIOS_EN = ["Dad, dev, coffee.", "Sysadmin by day, gardener by night.", "Views my own.", "Photographer. Cyclist.",
           "PhD student, {city}.", "Building things on the internet.", "Teacher. Linux user.", "she/her · {city}",
           "Backend dev @ a startup you never heard of", "Open source, bikes and bad puns.", "UX designer in {city}"]
BIOS_DE = ["Papa, Entwickler, Kaffee.", "Admin aus Leidenschaft. {city}.", "Privat hier.", "Fotografin | {city}",
           "Informatik-Studentin in {city}", "Lehrer, Linux, Landleben.", "Hier privat, Meinung meine eigene.",
           "Nerd aus {city}", "Radfahrer, Bastler, Homelab."]
CITIES = ["Hamburg", "Berlin", "München", "Köln", "Leipzig", "Bremen", "Kiel", "Wien", "Zürich", "London",
          "Manchester", "Toronto", "Seattle", "Austin", "Dublin", "Athens", "Thessaloniki", "Berlin 🇺🇦", "Amsterdam"]


def personal_site(rng: random.Random, p: Person) -> str:
    """A code-hosting profile, a link page or a personal domain, as people list it."""
    f = re.sub(r"[^a-z]", "", ascii_fold(p.first[-1] if p.origin in ("el", "ru") else p.first[0]).lower())
    la = re.sub(r"[^a-z]", "", ascii_fold(p.last[-1] if p.origin in ("el", "ru") else p.last[0]).lower())
    user = rng.choice([f + la, f[0] + la, f + "-" + la, f + str(rng.randint(1, 99))])
    return rng.choice([f"https://github.com/{user}", f"https://gitlab.com/{user}", f"https://codeberg.org/{user}",
                       f"https://linktr.ee/{user}", f"https://{f}{la}.de", f"https://{user}.github.io/",
                       f"https://keybase.io/{user}", f"https://www.{f}-{la}.com"])


def site_forms(url: str) -> list[str]:
    """The same URL written the ways it appears in profiles."""
    bare = url.replace("https://", "").replace("www.", "")
    return [url, url.rstrip("/"), bare, url + ("" if url.endswith("/") else "/")]


def fill_profile(rng: random.Random, p: Person, a: Account) -> None:
    """A bio and a website as people fill them in (many leave them empty, Reddit users most)."""
    if not a.bio and rng.random() < (0.25 if a.platform == "reddit" else 0.7):
        a.bio = rng.choice(BIOS_DE if a.lang == "de" else BIOS_EN).format(city=rng.choice(CITIES))
    if p.site and rng.random() < 0.55:
        form = rng.choice(site_forms(p.site))
        if a.website is None and a.platform != "reddit" and rng.random() < 0.6:
            a.website = form
            if rng.random() < 0.5:
                a.links.append(form)
        else:
            a.links.append(form)
        a.site_listed = True
