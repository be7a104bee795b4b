"""The population under construction: people, their accounts on each platform, and the truth about who is whom (the cases and the writer add to it)."""

from __future__ import annotations

import random

from bench.identity_eval import names as N
from bench.identity_eval.accounts import (
    INSTANCES,
    Account,
    Person,
    ascii_fold,
    personal_site,
    pick_name,
    random_handle,
    show_name,
)

ORIGINS = ["de", "de", "de", "en", "en", "en", "en", "dia", "el", "ru"]


PAIRS = [(("x", "mastodon"), 35), (("x", "reddit"), 20), (("reddit", "mastodon"), 12),
         (("x", "rss"), 12), (("mastodon", "rss"), 8), (("reddit", "rss"), 4)]


NAMED = ("x", "mastodon", "rss")  # platforms that show a display name


class Builder:
    """Holds the people, accounts and relations of one seed while they are generated."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.relations: list[dict[str, str]] = []
        self.team: list[Account] = []
        self._taken: set[tuple[str, str]] = set()
        self._ids: set[str] = set()

    # --- people and accounts ---------------------------------------------------------------
    def person(self, kind: str, origin: str | None = None, gender: str | None = None,
               name: tuple[tuple[str, ...], tuple[str, ...]] | None = None) -> Person:
        rng = self.rng
        origin = origin or rng.choice(ORIGINS)
        gender = gender or rng.choice("fm")
        first, last = name or pick_name(rng, origin, gender)
        lang = "de" if origin == "de" else ("de" if rng.random() < 0.15 else "en")
        if origin == "de" and rng.random() < 0.2:
            lang = "en"
        if origin == "en" and rng.random() < 0.5:
            peak = rng.gauss(1.0, 3.0)  # North America, evenings
        elif rng.random() < 0.15:
            peak = rng.gauss(7.0, 1.5)  # early birds
        else:
            peak = rng.gauss(18.5, 2.5)
        p = Person(f"p{len(self.people) + 1:05d}", kind, origin, gender, first, last, lang,
                   peak % 24, rng.uniform(1.2, 3.2))
        if rng.random() < 0.3 and kind not in ("team", "unlinkable"):
            p.site = personal_site(rng, p)
        self.people.append(p)
        return p

    def _unique(self, make) -> str:  # type: ignore[no-untyped-def]
        for _ in range(1000):
            v = make()
            if v not in self._ids:
                self._ids.add(v)
                return v
        raise RuntimeError("could not make a unique id")

    def _free_handle(self, platform: str, handle: str, instance: str = "") -> str:
        """The handle, or the variant people take when theirs is gone (a digit or two added)."""
        h = handle
        while (platform, (h + "@" + instance).lower()) in self._taken:
            h = (handle[:12] if platform == "x" else handle) + str(self.rng.randint(2, 99))
        self._taken.add((platform, (h + "@" + instance).lower()))
        return h

    def account(self, p: Person, platform: str, handle: str | None = None,
                style: str | None = None, script: str | None = None, display: str | None = None,
                instance: str | None = None, domain: str | None = None) -> Account:
        """An account of ``p`` on ``platform``: ids, URLs, avatar, display name as people write it."""
        rng = self.rng
        b36 = "0123456789abcdefghijklmnopqrstuvwxyz"
        if platform == "rss" and not domain:
            domain = self._blog_domain(p)
        inst = instance or rng.choice(INSTANCES)
        h = handle or random_handle(rng, platform)
        if platform == "mastodon":
            h = self._free_handle(platform, h.lower() if rng.random() < 0.8 else h, inst) + "@" + inst
        elif platform == "rss":
            h = handle if handle is not None else rng.choice(["", ascii_fold(p.first[-1]).lower(), ascii_fold(p.first[-1]).lower(), "admin"])
        else:
            h = self._free_handle(platform, h)
        if platform == "x":
            ext = self._unique(lambda: str(rng.choice([rng.randint(10**6, 3 * 10**9),
                                                        rng.randint(7 * 10**17, 19 * 10**17)])))
        elif platform == "reddit":
            ext = self._unique(lambda: "t2_" + "".join(rng.choice(b36) for _ in range(rng.randint(5, 8))))
        elif platform == "mastodon":
            ext = self._unique(lambda: str(rng.randint(10**17, 113 * 10**15)))
        else:
            slug = ascii_fold(f"{p.first[-1]}-{p.last[-1]}").lower().replace(" ", "-")
            ext = self._unique(lambda: f"https://{domain}/author/{h or slug}/" + ("" if rng.random() < 0.9 else f"?id={rng.randint(1, 99)}"))
        a = Account(p.pid, platform, ext, h, instance=inst if platform == "mastodon" else "", domain=domain or "")
        a.lang = p.lang if rng.random() < 0.85 else ("en" if p.lang == "de" else "de")
        if platform == "reddit" and p.lang == "de" and rng.random() < 0.35:
            a.lang = "en"  # Germans on international subreddits
        a.hour_shift = rng.gauss(0, 0.7)
        n = 1 + int(rng.expovariate(1 / 3.6))
        a.n_posts = n * 4 if rng.random() < 0.05 else n
        if platform in NAMED:
            if display is not None:
                a.display_name = display
            else:
                style = style or rng.choices(["full", "first", "initial", "nick", "handle"], [50, 15, 8, 17, 10])[0]
                if script is None:
                    script = {"el": "native", "ru": "native"}.get(p.origin, "native")
                    if p.origin in ("el", "ru", "de", "dia") and rng.random() < (0.65 if p.origin in ("el", "ru") else 0.25):
                        script = "latin" if p.origin in ("el", "ru") else "ascii"
                if style == "handle":
                    a.display_name = h.split("@")[0]
                else:
                    a.display_name, a.full_name_shown = show_name(rng, p, style, script, platform)
            if platform == "mastodon" and display is None and rng.random() < 0.06:
                a.display_name, a.full_name_shown = "", False  # Mastodon shows the username then
        self._urls(a, p)
        p.accounts.append(a)
        return a

    def _urls(self, a: Account, p: Person) -> None:
        rng = self.rng
        hx = "0123456789abcdef"
        user = a.handle.split("@")[0]
        if a.platform == "x":
            a.profile_url = f"https://{'twitter.com' if rng.random() < 0.3 else 'x.com'}/{a.handle}"
            a.avatar_url = ("https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
                            if rng.random() < 0.08 else
                            f"https://pbs.twimg.com/profile_images/{rng.randint(10**17, 19 * 10**17)}/"
                            f"{''.join(rng.choice(hx) for _ in range(8))}_normal.jpg")
            a.followers = int(rng.lognormvariate(4.5, 1.6))
        elif a.platform == "mastodon":
            a.profile_url = f"https://{a.instance}/@{user}"
            a.avatar_url = (f"https://{a.instance}/avatars/original/missing.png" if rng.random() < 0.08 else
                            f"https://files.{a.instance}/accounts/avatars/{rng.randint(100, 999)}/"
                            f"{rng.randint(100, 999)}/{rng.randint(100, 999)}/original/"
                            f"{''.join(rng.choice(hx) for _ in range(16))}.png")
            a.followers = int(rng.lognormvariate(3.8, 1.4))
        elif a.platform == "reddit":
            a.profile_url = f"https://www.reddit.com/user/{a.handle}"
            a.avatar_url = (f"https://www.redditstatic.com/avatars/defaults/v2/avatar_default_{rng.randint(0, 7)}.png"
                            if rng.random() < 0.5 else
                            f"https://styles.redditmedia.com/t5_{rng.randint(10**5, 10**7)}/styles/profileIcon_"
                            f"{''.join(rng.choice(hx) for _ in range(12))}.png")
        else:
            a.profile_url = a.external_id.split("?")[0] if rng.random() < 0.6 else f"https://{a.domain}/"
            a.avatar_url = f"https://secure.gravatar.com/avatar/{''.join(rng.choice(hx) for _ in range(32))}?s=96&d=mm"

    def _blog_domain(self, p: Person) -> str:
        rng = self.rng
        f = ascii_fold(p.first[-1] if p.origin in ("el", "ru") else p.first[0]).lower()
        la = ascii_fold(p.last[1] if p.origin in ("el", "ru") else p.last[0]).lower().replace("'", "")
        for _ in range(50):
            d = rng.choice([f"{f}{la}.de", f"{f}-{la}.com", f"blog.{f}{la}.net", f"{la}.dev",
                            f"{f}{la}.substack.com", f"{rng.choice(N.HANDLE_ADJ)}{rng.choice(N.HANDLE_NOUN)}.blog",
                            f"{f}.{la}.me", f"{f}{la}.wordpress.com", f"{la}-{f}.de"])
            if ("rss", d) not in self._taken:
                self._taken.add(("rss", d))
                return d
        return f"{f}{la}{rng.randint(100, 999)}.blog"

    def relate(self, a: Person, b: Person, kind: str) -> None:
        self.relations.append({"a": a.pid, "b": b.pid, "kind": kind})


def pick_platforms(rng: random.Random, named_only: bool = False, third: float = 0.2) -> list[str]:
    pairs = [(pp, w) for pp, w in PAIRS if not named_only or "reddit" not in pp]
    chosen = list(rng.choices([pp for pp, _ in pairs], [w for _, w in pairs])[0])
    if rng.random() < third:
        rest = [x for x in ("x", "mastodon", "reddit", "rss") if x not in chosen]
        chosen.append(rng.choice(rest))
    return chosen
