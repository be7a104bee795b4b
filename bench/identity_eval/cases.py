"""The kinds of cases: people with several accounts, and people who only look alike.

One function per kind; each adds people (and their accounts and relations) to the Builder.
"""

from __future__ import annotations

import re

from bench.identity_eval import names as N
from bench.identity_eval.accounts import (
    Account,
    Person,
    add_ref,
    ascii_fold,
    fit_handle,
    name_handle,
    pick_name,
    random_handle,
)
from bench.identity_eval.builder import NAMED, Builder, pick_platforms

BRAND_DOMAIN = "fernbox.io"


# --- our own accounts ------------------------------------------------------------------------
def team(b: Builder) -> None:
    """The brand's accounts and two staff accounts we declare as team accounts."""
    p = b.person("team", origin="de", name=(("Fernbox",), ("",)))
    p.lang = "de"
    x = b.account(p, "x", handle="fernbox", display="Fernbox")
    xde = b.account(p, "x", handle="fernbox_de", display="Fernbox Deutschland 🇩🇪")
    sup = b.account(p, "x", handle="FernboxSupport", display="Fernbox Support")
    m = b.account(p, "mastodon", handle="fernbox", display="Fernbox :verified:", instance="mastodon.social")
    r = b.account(p, "reddit", handle="fernbox_team")
    blog = b.account(p, "rss", handle="fernbox-team", display="Fernbox Team", domain="blog.fernbox.io")
    lena = b.account(p, "reddit", handle="fernbox_lena")
    jan = b.account(p, "mastodon", handle="jan_fernbox", display="Jan @ Fernbox", instance="fosstodon.org")
    for a in (x, xde, sup, m):
        a.bio = "Fernbox – deine Dateien, überall. Support: @FernboxSupport" if a is xde else \
            "Your files, everywhere. Status: status.fernbox.io · Help: @FernboxSupport"
        a.website = f"https://{BRAND_DOMAIN}"
        a.links = [f"https://{BRAND_DOMAIN}"]
        a.followers = (a.followers or 0) * 40 + 20000
    x.links.append("https://mastodon.social/@fernbox")
    m.links.append("https://x.com/fernbox")
    m.refs.append((x.key, "links"))
    x.refs.append((m.key, "links"))
    r.bio = "Official account of the Fernbox team. Status: status.fernbox.io"
    lena.bio = "Community manager @ Fernbox"
    jan.bio = "Support engineer at @fernbox@mastodon.social"
    for a in p.accounts:
        a.n_posts = 45 if a in (sup, r, lena, jan) else 20
    b.team = list(p.accounts)
    del blog


def _brand(b: Builder) -> list[Account]:
    return [a for a in b.team if a.handle in ("fernbox", "fernbox@mastodon.social")]


# --- people with several accounts --------------------------------------------------------------
def same_handle(b: Builder) -> None:
    """A long handle reused on every platform (case may differ; Mastodon adds @instance)."""
    rng = b.rng
    p = b.person("same_handle")
    while True:
        h = (name_handle(rng, p, "x", rng.choice(["firstlast", "flast_n", "firstlast_n", "first_last", "lastfirst"]))
             if rng.random() < 0.5 else random_handle(rng, "x"))
        if 7 <= len(h) <= 15 and "-" not in h:
            break
    for plat in pick_platforms(rng):
        hh = h.title() if plat == "reddit" and rng.random() < 0.15 else h
        b.account(p, plat, handle=hh if plat != "rss" else h.lower())


def handle_variant(b: Builder) -> None:
    """Handles built from the name in different ways: anna_mueller / annamueller / anna.mueller92."""
    rng = b.rng
    p = b.person("handle_variant", origin=rng.choice(["de", "de", "en", "en", "dia"]))
    close = ["firstlast", "first_last", "firstlast_n", "First_Last", "first.last"]
    loose = ["flast", "flast_n", "first_l", "lastfirst", "firstla", "last_first"]
    forms = rng.sample(close, 3) if rng.random() < 0.75 else [rng.choice(close), *rng.sample(loose, 2)]
    for plat, form in zip(pick_platforms(rng), forms, strict=False):
        b.account(p, plat, handle=name_handle(rng, p, plat, form))


def name_only(b: Builder) -> None:
    """Unrelated handles; the full name shown on both sides, decorated as people decorate it."""
    rng = b.rng
    p = b.person("name_only")
    for plat in pick_platforms(rng, named_only=True, third=0.25):
        b.account(p, plat, style="full" if plat in NAMED else None)


def umlaut(b: Builder) -> None:
    """A German (or Polish, Turkish, ...) name with ü/ß/ł on one side, typed without on the other."""
    rng = b.rng
    while True:
        origin = "de" if rng.random() < 0.75 else "dia"
        gender = rng.choice("fm")
        first, last = pick_name(rng, origin, gender)
        if len(first) > 1 or len(last) > 1:
            break
    p = b.person("umlaut", origin=origin, gender=gender, name=(first, last))
    plats = pick_platforms(rng, named_only=True, third=0.15)
    for i, plat in enumerate(plats):
        h = name_handle(rng, p, plat) if rng.random() < 0.4 else None
        b.account(p, plat, handle=h, style="full" if plat in NAMED else None,
                  script="native" if i == 0 else ("ascii" if i == 1 else None))


def transliteration(b: Builder) -> None:
    """Greek or Cyrillic script on one side, the Latin spelling the person uses on the other."""
    rng = b.rng
    p = b.person("transliteration", origin="el" if rng.random() < 0.45 else "ru")
    plats = pick_platforms(rng, named_only=True, third=0.15)
    latin_name = None
    for i, plat in enumerate(plats):
        h = name_handle(rng, p, plat) if rng.random() < 0.4 else None
        a = b.account(p, plat, handle=h, style="full" if plat in NAMED else None,
                      script="native" if i == 0 else "latin")
        if i > 0 and latin_name and plat in NAMED and rng.random() < 0.7:
            a.display_name = latin_name  # the same Latin spelling everywhere it is Latin
        if i > 0 and plat in NAMED:
            latin_name = latin_name or a.display_name


def _linked(b: Builder, kind: str, mutual: bool) -> None:
    rng = b.rng
    p = b.person(kind)
    accs = [b.account(p, plat) for plat in pick_platforms(rng, third=0.2)]
    src, dst = rng.sample(accs, 2)
    add_ref(rng, src, dst)
    if mutual:
        add_ref(rng, dst, src)
    if len(accs) == 3:
        third = next(a for a in accs if a not in (src, dst))
        add_ref(rng, third, rng.choice([src, dst])) if rng.random() < 0.5 else add_ref(rng, rng.choice([src, dst]), third)


def profile_link(b: Builder) -> None:
    """One profile points to the other (bio, website field or links), in any of the usual forms."""
    _linked(b, "profile_link", mutual=False)


def mutual_link(b: Builder) -> None:
    """Both profiles point to each other (the Mastodon rel=me / X bio habit)."""
    _linked(b, "mutual_link", mutual=True)


def unlinkable(b: Builder) -> None:
    """Two accounts nothing stored ties together: other handles, no full name, no link."""
    rng = b.rng
    p = b.person("unlinkable")
    p.site = None
    for plat in pick_platforms(rng, third=0.1):
        b.account(p, plat, style=rng.choice(["first", "initial", "nick", "handle"]))


# --- people who only look alike -----------------------------------------------------------------
def _spellings(name: str, table: list[tuple[str, ...]]) -> tuple[str, ...]:
    return next((t for t in table if t[0] == name), (name,))


def namesakes(b: Builder) -> None:
    """Two or three people with one common name ("John Davis", "Anna Schmidt")."""
    rng = b.rng
    origin, first, last = rng.choice(N.COMMON_NAMES)
    tables = (N.DE_FIRST_F + N.DE_FIRST_M, N.DE_LAST) if origin == "de" else (N.EN_FIRST_F + N.EN_FIRST_M, N.EN_LAST)
    name = (_spellings(first, tables[0]), _spellings(last, tables[1]))
    group = [b.person("namesake", origin=origin, name=name) for _ in range(rng.choice((2, 2, 3)))]
    for p in group:
        plats = pick_platforms(rng, third=0.0) if rng.random() < 0.3 else [rng.choice(["x", "x", "mastodon", "reddit", "rss"])]
        for plat in plats:
            h = name_handle(rng, p, plat, rng.choice(["lastfirst", "lastf", "flast", "first_last", "firstlast_n", "flast_n"])) \
                if rng.random() < 0.6 else None
            b.account(p, plat, handle=h, style="full" if rng.random() < 0.85 else None)
    for i, p in enumerate(group):
        for q in group[i + 1:]:
            b.relate(p, q, "namesake")


def generic(b: Builder, handle: str) -> None:
    """Different people holding one short handle (max, anna, admin, info) on different platforms."""
    rng = b.rng
    plats = rng.sample(["x", "reddit", "mastodon", "mastodon", "rss"], rng.choice((2, 3, 3, 4)))
    group = []
    for plat in plats:
        p = b.person("generic_handle")
        display = handle if plat == "rss" and handle == "admin" else None
        if plat == "rss":
            b.account(p, plat, handle=handle, display=display, style="full")
        else:
            b.account(p, plat, handle=handle, style=rng.choice(["full", "first", "handle", "nick"]))
        group.append(p)
    for i, p in enumerate(group):
        for q in group[i + 1:]:
            b.relate(p, q, "generic_handle")


FAN_BIOS = ["Big fan of {r}", "Happy {r} user since 2021", "{r} power user", "Files live in {r} 😄",
            "Nutze {r} für alles", "Beta tester for {r}", "Sync nerd. {r} fan."]
STAFF_BIOS = ["Community @ Fernbox", "Engineering at Fernbox ({r})", "Product @fernbox · views my own",
              "Support lead at Fernbox", "Backend at {r}", "Arbeite bei Fernbox ({r})", "Design @ Fernbox"]


def fan_or_staff(b: Builder, kind: str) -> None:
    """A fan or a staff member whose profile points one way to the brand's account."""
    rng = b.rng
    p = b.person(kind)
    plats = pick_platforms(rng, third=0.0) if rng.random() < (0.5 if kind == "staff" else 0.25) else \
        [rng.choice(["x", "x", "mastodon", "reddit"])]
    brand = _brand(b)
    for plat in plats:
        a = b.account(p, plat, style="full" if kind == "staff" and plat in NAMED else None)
        target = rng.choice(brand)
        bios = STAFF_BIOS if kind == "staff" else FAN_BIOS
        a.bio = rng.choice(bios).format(r="@fernbox" if target.platform == "x" or rng.random() < 0.5 else "@fernbox@mastodon.social")
        if rng.random() < 0.6:
            add_ref(rng, a, target, unique=False, url_only=True)
        if kind == "staff" and rng.random() < 0.7 and plat != "reddit":
            a.website = rng.choice(["https://fernbox.io", "https://fernbox.io/", "fernbox.io", "https://www.fernbox.io/team"])
            a.links.append(a.website)
        elif kind == "fan" and rng.random() < 0.3:
            a.links.append(f"https://fernbox.io/r/{ascii_fold(p.first[-1]).lower()}{rng.randint(10, 999)}")
    for t in b.team[:1]:
        b.relations.append({"a": p.pid, "b": t.pid, "kind": "brand_link"})


def friends(b: Builder) -> None:
    """A friend's profile points to another friend's account (one way, sometimes both)."""
    rng = b.rng
    pa, pb = b.person("friend"), b.person("friend")
    for p in (pa, pb):
        for plat in (pick_platforms(rng, third=0.0) if rng.random() < 0.3 else [rng.choice(["x", "mastodon", "reddit", "rss"])]):
            b.account(p, plat)
    a, c = rng.choice(pa.accounts), rng.choice(pb.accounts)
    words = ["Podcast with", "Co-host of #SyncTalk with", "Say hi to my friend", "Best colleague:", "Mitgründer:", ""]
    add_ref(rng, a, c, unique=False, prefix=rng.choice(words))
    if rng.random() < 0.2:
        add_ref(rng, c, a, unique=False, prefix=rng.choice(words))
    b.relate(pa, pb, "friend")


GROUP_BLOGS = ["techtalk-hamburg.de", "syncpodcast.fm", "linuxpraxis.net", "cloudnerds.blog",
               "homelab-stories.com", "datenschutzblog.org", "devnotes.io", "ruhrcode.de", "openstack-kaffee.de",
               "selfhosting.guide"]


def group_blog(b: Builder, domain: str) -> None:
    """Co-authors of one blog: all give the blog's home page as their profile URL and website."""
    rng = b.rng
    home = f"https://{domain}/"
    group = []
    for _ in range(rng.randint(3, 5)):
        p = b.person("group_blog")
        slug = re.sub(r"[^a-z]", "", ascii_fold(p.first[-1]).lower())
        blog = b.account(p, "rss", handle=slug, style="full", domain=domain)
        blog.profile_url = home
        blog.bio = f"Writes for {domain}"
        if rng.random() < 0.8:
            a = b.account(p, rng.choice(["x", "x", "mastodon"]), style="full" if rng.random() < 0.8 else None)
            a.website = rng.choice([home, home.rstrip("/"), domain])
            a.links.append(a.website)
            a.bio = rng.choice([f"Writing at {domain}", f"Co-author of {domain}", f"Bloggt auf {domain}"])
        group.append(p)
    for i, p in enumerate(group):
        for q in group[i + 1:]:
            b.relate(p, q, "group_blog")


COUPLE_BITS = {"m": ["❤️", "married to", "verheiratet mit", "my better half:", "Mann:", "💑", "husband:"],
               "f": ["❤️", "married to", "verheiratet mit", "my better half:", "Frau:", "💑", "wife:", "Partnerin:"]}


def couple(b: Builder, email: bool) -> None:
    """Partners whose profiles point to each other: different names, different hours."""
    rng = b.rng
    pa = b.person("couple")
    other = "m" if pa.gender == "f" else "f"
    first, last = pick_other(b, pa, other)
    pb = b.person("couple", origin=pa.origin, gender=other, name=(first, last))
    pb.lang = pa.lang
    pb.peak_hour = (pa.peak_hour + rng.uniform(5, 10)) % 24
    for p in (pa, pb):
        plats = pick_platforms(rng, third=0.0) if rng.random() < 0.35 else [rng.choice(["x", "mastodon", "x", "mastodon", "reddit"])]
        for plat in plats:
            b.account(p, plat, style=rng.choice(["full", "first", "nick", None]))
    a, c = rng.choice(pa.accounts), rng.choice(pb.accounts)
    add_ref(rng, a, c, unique=False, prefix=rng.choice(COUPLE_BITS[pb.gender]))
    add_ref(rng, c, a, unique=False, prefix=rng.choice(COUPLE_BITS[pa.gender]))
    if email:  # one family mailbox, confirmed on both sides
        fam = f"familie.{ascii_fold(pa.last[-1]).lower()}@{rng.choice(['gmx.de', 'web.de', 't-online.de'])}"
        for acc in (a, c):
            acc.email, acc.email_verified = fam, True
    b.relate(pa, pb, "couple")


def pick_other(b: Builder, pa: Person, gender: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The partner's name: another first name, often the same family name."""
    first, last = pick_name(b.rng, pa.origin, gender)
    if b.rng.random() < 0.5 and pa.origin not in ("el", "ru"):
        last = pa.last  # married, one family name
    return first, last


def negatives(b: Builder, scale: float) -> None:
    """Every kind of look-alike, scaled to the population size."""
    rng = b.rng
    for _ in range(max(2, round(45 * scale))):
        namesakes(b)
    handles = rng.sample(N.GENERIC_HANDLES, max(2, round(24 * scale)))
    for h in [*handles, "admin", "admin"]:
        generic(b, h)
    for _ in range(max(2, round(80 * scale))):
        fan_or_staff(b, "fan")
    for _ in range(max(2, round(12 * scale))):
        fan_or_staff(b, "staff")
    for _ in range(max(2, round(45 * scale))):
        friends(b)
    for d in rng.sample(GROUP_BLOGS, max(2, round(7 * scale))):
        group_blog(b, d)
    n_couples = max(2, round(40 * scale))
    for i in range(n_couples):
        couple(b, email=i < max(1, round(4 * scale)))


def shared_emails(b: Builder) -> None:
    """Some people gave the same (confirmed) address on two accounts, e.g. via a newsletter."""
    rng = b.rng
    pool = [p for p in b.people if p.kind in ("same_handle", "name_only", "profile_link", "handle_variant")
            and len(p.accounts) >= 2]
    for p in rng.sample(pool, min(len(pool), 25)):
        mail = f"{ascii_fold(p.first[-1]).lower()}.{ascii_fold(p.last[-1]).lower()}{rng.choice(['', '84', '1990'])}" \
               f"@{rng.choice(['gmail.com', 'posteo.de', 'mailbox.org', 'outlook.com', 'gmx.de'])}"
        for a in rng.sample(p.accounts, 2):
            a.email, a.email_verified = mail, rng.random() < 0.7


def single(b: Builder) -> None:
    """Everyone else: one account, written like any other."""
    rng = b.rng
    p = b.person("single")
    plat = rng.choices(["x", "reddit", "mastodon", "rss"], [35, 35, 20, 10])[0]
    h = name_handle(rng, p, plat) if rng.random() < 0.3 else random_handle(rng, plat)
    b.account(p, plat, handle=fit_handle(h, plat))
