"""Screenshots of every page in English and German, wide (1400 px) and narrow (390 px).

    python scripts/screenshots.py --out /tmp/shots [--chromium /usr/bin/chromium] [--port 5077]

Runs ``crm demo --port N`` with DATA_DIR in a temporary directory, signs in as the demo user
and saves ``<out>/<lang>-<width>-<page>.png`` (full page). Needs Playwright's Python package
(``pip install playwright``) but not its browsers: it drives an installed Chromium. Pages with
an id in the path take the first such link found on their list page. Prints, per shot, what
would read wrong: text wider than the page, English left on a German page (a few words).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/", "/inbox/", "/inbox/team", "/search/?q=Störungen", "/search/?q=refund&sort=relevance", "/members/",
    "/alerts/", "/alerts/rules", "/alerts/rules/new", "/segments/", "/segments/new", "/metrics/",
    "/sentiment/corrections", "/tasks/", "/sources/", "/sources/new", "/sources/inbound/new", "/imports/",
    "/exports/", "/quarantine/", "/identity/suggestions", "/identity/merges", "/identity/rules", "/account/",
    "/privacy/", "/privacy/retention", "/privacy/suppressions", "/webhooks/", "/settings/tokens/",
]
# Detail pages: (list page, link pattern).
DETAILS = [
    ("/inbox/", r"^/inbox/\d+$"), ("/members/", r"^/members/\d+$"), ("/alerts/", r"^/alerts/\d+$"),
    ("/segments/", r"^/segments/\d+$"), ("/sources/", r"^/sources/\d+$"), ("/imports/", r"^/imports/\d+$"),
    ("/exports/", r"^/exports/\d+$"), ("/identity/merges", r"^/identity/merges/\d+$"),
    ("/alerts/rules", r"^/alerts/rules/\d+/edit$"), ("/webhooks/", r"^/webhooks/\d+$"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Words that should not appear on a German page (English UI left over); names and data aside.
ENGLISH = re.compile(r"\b(the|and|with|your|yet|Save|Delete|Create|Cancel|Search|Members|Settings|"
                     r"Interactions|Sources|never|days? ago|No \w+ yet)\b")


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "dashboard"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("screenshots"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--port", type=int, default=5077)
    ap.add_argument("--only", default="", help="Only paths containing this text.")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="crm_shots_"))
    env = {**os.environ, "DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/crm.sqlite3"}
    crm = shutil.which("crm", path=str(ROOT / ".venv" / "bin")) or "crm"
    server = subprocess.Popen([crm, "demo", "--port", str(args.port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    problems: list[str] = []
    try:
        wait_for(base + "/login", timeout=300)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for lang in ("en", "de"):
                ctx = browser.new_context(locale={"en": "en-US", "de": "de-DE"}[lang],
                                          extra_http_headers={"Accept-Language": lang})
                page = ctx.new_page()
                page.goto(base + "/login")
                page.fill("input[name=email]", "demo@example.com")
                page.fill("input[name=password]", "demo-password")
                page.click("button[type=submit]")
                page.wait_for_load_state()
                paths = list(PAGES)
                for listing, pattern in DETAILS:
                    page.goto(base + listing)
                    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
                    found = next((h for h in hrefs if re.match(pattern, h.split("?")[0])), None)
                    if found:
                        paths.append(found)
                        if pattern.startswith("^/members"):
                            paths.append(found + "/../../privacy/members/" + found.rsplit("/", 1)[1] + "/erase")
                for path in paths:
                    path = os.path.normpath(path) if "/../" in path else path
                    if args.only and args.only not in path:
                        continue
                    for width in (1400, 390):
                        page.set_viewport_size({"width": width, "height": 900})
                        resp = page.goto(base + path)
                        name = f"{lang}-{width}-{slug(path)}.png"
                        page.screenshot(path=str(args.out / name), full_page=True)
                        status = resp.status if resp else 0
                        overflow = page.evaluate("document.documentElement.scrollWidth") - width
                        note = []
                        if status >= 400:
                            note.append(f"HTTP {status}")
                        if overflow > 2:
                            note.append(f"{overflow}px wider than the screen")
                        if lang == "de" and width == 1400:
                            text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
                            words = sorted(set(m.group(0) for m in ENGLISH.finditer(text)))
                            if words:
                                note.append("English? " + ", ".join(words[:12]))
                        print(f"{name}: {'; '.join(note) or 'ok'}", flush=True)
                        if note:
                            problems.append(name)
                ctx.close()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
    print(f"{len(problems)} shot(s) to look at; screenshots in {args.out}")
    sys.exit(0)


if __name__ == "__main__":
    main()
