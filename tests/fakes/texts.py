"""Deterministic text for fake datasets: English, German, emoji, other scripts."""

from __future__ import annotations

import random

SENTENCES = (
    "Love the new release, the widget finally syncs offline!",
    "Die Größenänderung funktioniert nicht mehr, sehr ärgerlich. Übrigens: Straße ≠ Strasse.",
    "Is anyone else seeing the widget crash on startup? 😡",
    "Shipped it 🚀🔥 thanks to everyone who helped",
    "日本語のレビュー: とても良いです 👍",
    "Ça marche très bien, merci à l'équipe ✨",
    "Worst update ever. Support never answers. 👎",
    "Kann mir jemand erklären, wie der Export nach Excel geht?",
    "emoji only 🎉🎉🎉",
    "Mixed: der widget-Export ist 👌 aber langsam",
    "Привет! Есть ли тёмная тема?",
    "RTL test: مرحبا بالعالم",
)

NAMES = (
    "anna_schmidt", "bob_dev", "cara_ops", "dmitri_k", "eve_sec", "fatima_ux",
    "guenther_m", "hiro_tanaka", "ines_p", "jules_v",
)  # fmt: skip

DISPLAY_NAMES = (
    "Anna Schmidt", "Bob 🛠️", "Cara", "Дмитрий", "Eve", "Fatima Zahra", "Günther Müller",
    "田中 宏", "Inês", "Jules ✨",
)  # fmt: skip


def sentence(rng: random.Random) -> str:
    """One sentence, cycling through scripts."""
    return rng.choice(SENTENCES)
