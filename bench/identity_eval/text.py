"""Post texts about a fictional file-sync app ("Fernbox"), in English and German.

The texts only need to look like what people write (questions, complaints, praise, tips,
replies, off-topic chatter); identity resolution must not depend on them. Slots are filled at
random so that few texts repeat.
"""

from __future__ import annotations

import random

BRAND = "Fernbox"

FEATURES_EN = [
    "selective sync", "the share links", "version history", "the Android app", "the iOS app",
    "the Linux client", "end-to-end encryption", "the family plan", "offline mode",
    "LAN sync", "the API", "the web uploader", "photo backup", "the Windows client",
    "the new onboarding", "team folders", "the desktop tray icon", "file requests",
]
FEATURES_DE = [
    "die selektive Synchronisation", "die Freigabelinks", "der Versionsverlauf", "die Android-App",
    "die iOS-App", "der Linux-Client", "die Ende-zu-Ende-Verschlüsselung", "der Familientarif",
    "der Offline-Modus", "die LAN-Synchronisation", "die API", "das Foto-Backup",
    "der Windows-Client", "die Team-Ordner", "das neue Onboarding", "die Dateianfragen",
]
OS_DE = ["Windows 11", "macOS Sonoma", "Ubuntu 24.04", "Fedora", "Arch", "Android 14", "iOS 18",
         "Debian", "meinem Pixel 8", "meinem alten ThinkPad", "einem Raspberry Pi", "NixOS"]
OS = ["Windows 11", "macOS Sonoma", "Ubuntu 24.04", "Fedora", "Arch", "Android 14", "iOS 18",
      "Debian", "a Pixel 8", "my old ThinkPad", "a Raspberry Pi", "NixOS"]
COMPETITORS = ["Dropbox", "Nextcloud", "Syncthing", "OneDrive", "Google Drive", "pCloud", "iCloud"]

EN = [
    "Anyone else seeing {f} stuck at 99% since the last update? On {os} here.",
    "Switched from {c} to {b} last month. {f} alone was worth it tbh",
    "{b} support actually answered in 20 minutes. Color me impressed.",
    "Is there a way to exclude node_modules from sync in {b}? {f} doesn't seem to do globs.",
    "Honest question: why does {b} need full disk access on {os}?",
    "Lost two hours of work because of a conflict file. {f} needs to get better at this.",
    "PSA: {f} in {b} is finally out of beta. Works great on {os}.",
    "{b} vs {c} for a small team? We mostly share large video files.",
    "The pricing change is a joke. Paying more for the same storage? No thanks {b}.",
    "Tip: if {f} hangs, quit the client, delete the .fernbox-cache folder, restart. Fixed it for me.",
    "Been using {b} for three years, never lost a file. Boring in the best way.",
    "Does {f} work behind a corporate proxy? Our IT is asking.",
    "Why is the {b} client eating 2 GB of RAM on {os}??",
    "Finally moved the whole family to {b}. Took an afternoon, {f} made it painless.",
    "Feature request: let me pause sync for just one folder. {f} is close but not quite.",
    "Is {b} down? Web app gives me a 502.",
    "Small thing but I love how {f} shows what changed.",
    "{b} just ate my vacation photos. Restoring from version history, fingers crossed.",
    "Self-hosting {c} got old. {b} is the first cloud thing I actually trust.",
    "Anyone tried {f} with a NAS? Wondering about performance.",
    "ok {f} on {os} is genuinely good now, credit where it's due",
    "Third time this week the {b} app logs me out on {os}. Anyone else?",
    "How do I get an invoice with VAT from {b}? Can't find it in settings.",
    "Reminder that {b} has a student discount, took me way too long to find.",
    "Went back to {c}. {f} kept breaking and support kept sending the same FAQ link.",
]
EN_REPLY = [
    "Same here, started after the update.", "Did you try logging out and in again?",
    "That fixed it for me too, thanks!", "Nope, works fine on {os}.",
    "I'd open a ticket, they're usually quick.", "+1, super annoying.",
    "You can set it in the advanced settings, took me a while too.",
    "Had the same problem with {c}, honestly.", "lol yes. every single time.",
    "Interesting, which version are you on?", "This is the way.",
    "Not for me, {f} has been rock solid.", "Thanks, didn't know that!",
]
DE = [
    "Hat noch jemand das Problem, dass {f} seit dem Update hängt? Bei mir: {os}.",
    "Von {c} zu {b} gewechselt und {f} ist echt ein Traum.",
    "Der Support von {b} hat innerhalb von 20 Minuten geantwortet. Respekt!",
    "Kann man bei {b} einzelne Ordner von der Synchronisation ausschließen?",
    "Warum braucht {b} unter {os} vollen Festplattenzugriff? Ernst gemeinte Frage.",
    "Zwei Stunden Arbeit weg wegen einer Konfliktdatei. {f} muss besser werden.",
    "Tipp: wenn {f} hängt, Client beenden, Cache-Ordner löschen, neu starten. Hat bei mir geholfen.",
    "Die Preiserhöhung ist echt frech. Mehr zahlen für denselben Speicher? Nein danke, {b}.",
    "Nutze {b} seit drei Jahren, nie eine Datei verloren. Langweilig im besten Sinne.",
    "Funktioniert {f} auch hinter einem Firmen-Proxy? Unsere IT fragt.",
    "Warum frisst der {b}-Client unter {os} 2 GB RAM??",
    "Ist {b} gerade down? Die Web-App zeigt nur einen 502.",
    "Kleine Sache, aber ich mag, wie {f} die Änderungen anzeigt.",
    "{b} vs. {c} für ein kleines Team? Wir teilen vor allem große Videodateien.",
    "Endlich die ganze Familie auf {b} umgezogen. {f} hat es einfach gemacht.",
    "Feature-Wunsch: Sync nur für einen Ordner pausieren. Wäre das machbar, {b}?",
    "Schon wieder abgemeldet in der {b}-App. Dritte Mal diese Woche.",
    "Wie bekomme ich eine Rechnung mit MwSt. von {b}? Finde es nicht in den Einstellungen.",
    "Zurück zu {c}. {f} ging ständig kaputt und der Support schickt immer denselben FAQ-Link.",
    "Ehrlich gesagt ist {f} unter {os} inzwischen richtig gut.",
    "Gibt es Erfahrungen mit {b} und einem NAS? Frage wegen der Geschwindigkeit.",
]
DE_REPLY = [
    "Bei mir genauso, seit dem Update.", "Schon mal ab- und wieder angemeldet?",
    "Danke, das hat bei mir auch geholfen!", "Nee, läuft bei mir unter {os} problemlos.",
    "Mach am besten ein Ticket auf, die sind meistens schnell.", "+1, nervt total.",
    "Geht in den erweiterten Einstellungen, hab auch ewig gesucht.", "Same, jedes Mal.",
    "Welche Version nutzt du?", "Gute Frage, würde mich auch interessieren.",
]
OFFTOPIC_EN = [
    "Coffee first, then emails.", "Anyone going to FOSDEM this year?", "My cat walked over the keyboard and pushed to main.",
    "Rainy Sunday, perfect for reorganising the homelab.", "Hot take: tabs are fine.",
]
OFFTOPIC_DE = [
    "Erst Kaffee, dann Mails.", "Wer ist dieses Jahr beim Chaos Communication Congress?",
    "Regen in Hamburg, wer hätte das gedacht.", "Sonntag = Homelab aufräumen.",
]
TITLES_EN = [
    "{f} keeps failing on {os}", "{b} or {c}?", "PSA about {f}", "Question about {f}",
    "Finally happy with {b}", "Support experience", "Pricing change discussion",
]
TITLES_DE = [
    "{f} funktioniert nicht unter {os}", "{b} oder {c}?", "Frage zu {f}", "Erfahrungen mit {b}",
]
BLOG_TITLES_EN = [
    "Six months with {b}: a review", "How I set up {f} for a small office", "Why we left {c} for {b}",
    "{b} and backups: what the docs don't tell you", "A week of {f} on {os}",
]
BLOG_TITLES_DE = [
    "Sechs Monate mit {b}: ein Erfahrungsbericht", "{f} im kleinen Büro einrichten",
    "Warum wir von {c} zu {b} gewechselt sind", "Backups mit {b}: was in der Doku fehlt",
]


def _fill(rng: random.Random, template: str, lang: str) -> str:
    feats = FEATURES_DE if lang == "de" else FEATURES_EN
    oses = OS_DE if lang == "de" else OS
    out = template.format(b=BRAND, f=rng.choice(feats), os=rng.choice(oses), c=rng.choice(COMPETITORS))
    return out[:1].upper() + out[1:]


def post_text(rng: random.Random, lang: str, platform: str, mention: str, reply: bool) -> tuple[str, str | None]:
    """One post (text, title): a reply, a post, or off-topic chatter, in ``lang``."""
    de = lang == "de"
    if reply:
        text = _fill(rng, rng.choice(DE_REPLY if de else EN_REPLY), lang)
        if rng.random() < 0.4:
            text += " " + _fill(rng, rng.choice(DE if de else EN), lang)
    elif rng.random() < 0.06:
        text = rng.choice(OFFTOPIC_DE if de else OFFTOPIC_EN)
    else:
        text = _fill(rng, rng.choice(DE if de else EN), lang)
    if platform in ("x", "mastodon") and mention and rng.random() < 0.35:
        text = f"{text} {mention}" if rng.random() < 0.6 else f"{mention} {text}"
    if platform in ("x", "mastodon") and rng.random() < 0.15:
        text += rng.choice([" #fernbox", " #cloud", " #backup", " #selfhosted", " #linux"])
    title = None
    if platform == "reddit" and not reply:
        title = _fill(rng, rng.choice(TITLES_DE if de else TITLES_EN), lang)
    if platform == "rss":
        title = _fill(rng, rng.choice(BLOG_TITLES_DE if de else BLOG_TITLES_EN), lang)
        body = " ".join(_fill(rng, rng.choice(DE if de else EN), lang) for _ in range(rng.randint(3, 6)))
        text = body
    return text[:2000], title
