"""English text templates for the demo dataset (Nimbus, a fictional file-sync app).

Slots are filled by ``demo.dataset``: {feature} {Feature} {os} {version} {error} {competitor}
{n} {size} {minutes} {device} {team} (the team account's handle on the platform).
"""

from __future__ import annotations

TEXTS: dict[str, list[str]] = {
    "praise": [
        "Switched from {competitor} to Nimbus last month and I'm not going back. {Feature} just works.",
        "Nimbus {version} is fast. {n} files synced across three machines before my coffee was done.",
        "Honestly the best part of Nimbus is {feature}. Saved me hours this week.",
        "Shoutout to {team} for {feature}. Finally a sync tool that respects my bandwidth.",
        "Been running Nimbus on {os} for {n} days without a single conflict. Impressive.",
        "{version} finally nails {feature}. Exactly what I wanted. Great work!",
        "Nimbus just recovered a file I deleted two weeks ago thanks to version history. Love it.",
        "Set up Nimbus for our whole team in under {minutes} minutes. Onboarding was painless.",
        "I was skeptical, but Nimbus handles our {size} monorepo checkout better than {competitor} ever did.",
        "Small thing, but the sync status icons on {os} are so clear now. Nice polish in {version}.",
        "Nimbus support answered my ticket in {minutes} minutes on a Sunday. Amazing service.",
        "LAN sync between my laptop and desktop is ridiculously quick. {size} in a couple of minutes.",
        "Really happy with Nimbus on {device}. Battery drain is way better than with {competitor}.",
        "The CLI is a joy. `nimbus status --watch` is now permanently open in a tmux pane.",
        "Recommended Nimbus to three friends this week. End-to-end encryption by default is a big deal.",
        "Upgraded to {version}, startup went from ages to instant. Whatever you did, thank you.",
        "Nimbus is one of the few subscriptions I don't regret. Solid, boring, reliable. Perfect.",
        "Conflict resolution in Nimbus is the first one I actually understand. Great UX.",
        "Our agency moved {n} clients' shared folders to Nimbus. Zero complaints so far.",
        "Love how Nimbus keeps working offline and just catches up later. Great on trains.",
        "The web dashboard redesign looks great, and it's finally usable on mobile too.",
        "Selective sync on {os} is brilliant. My tiny SSD thanks you.",
    ],
    "question": [
        "How do I exclude node_modules from syncing in Nimbus? Is there a .nimbusignore?",
        "Does anyone know how to move the Nimbus folder to another drive on {os}?",
        "Is there a way to limit Nimbus upload speed only during work hours?",
        "How do I share a folder with someone who doesn't have a Nimbus account?",
        "Quick question: does {feature} work on the free plan or only on Pro?",
        "Can Nimbus sync a folder that lives on a NAS? Mounted via SMB on {os}.",
        "How do I restore an older version of a file from the CLI?",
        "What's the best way to migrate {size} from {competitor} to Nimbus without re-uploading everything?",
        "Is Nimbus end-to-end encrypted for shared folders too, or only private ones?",
        "Anyone running the Nimbus client headless on a Raspberry Pi? How did you set it up?",
        "How can I see which device last changed a file in Nimbus?",
        "Does Nimbus {version} support symlinks on {os}? Mine seem to be skipped.",
        "How do I get an API token for the Nimbus webhooks? Can't find it in the dashboard.",
        "Is there an official Docker image for the Nimbus CLI?",
        "How do I stop Nimbus from starting at login on {os}?",
        "Can I use Nimbus with SSO (Okta) on the team plan? The docs are a bit vague.",
        "Where does Nimbus keep its logs on {os}? Support asked me for them.",
        "Does anyone know if Nimbus handles case-only renames correctly between macOS and Linux?",
        "How many devices can I connect on the Personal plan?",
        "What happens to my files if my Nimbus subscription lapses?",
    ],
    "feature": [
        "Feature request: please let us pause sync per folder, not just globally.",
        "Would love a dark mode for the Nimbus web dashboard. My eyes at 2am agree.",
        "Please add a native ARM build for Linux. Running Nimbus on my {device} would be great.",
        "It would be great if Nimbus could show a diff for text files in version history.",
        "Any plans for a .nimbusignore with gitignore syntax? That would save me so much pain.",
        "Wish list: bandwidth schedules, so Nimbus only uploads at night.",
        "Could {feature} get a keyboard shortcut? I use it a dozen times a day.",
        "Nimbus needs a proper audit log for team admins. Who deleted what and when.",
        "Request: let me pick which conflict copy wins from the tray menu instead of the web UI.",
        "Would pay extra for longer retention, say one year of version history.",
        "Please support WebDAV so I can mount Nimbus on devices without a client.",
        "Feature idea: share links that expire after {n} downloads.",
        "Can we get a Homebrew cask and a Flatpak that are updated on release day?",
        "Really hoping for two-factor with hardware keys (WebAuthn) in the next release.",
        "It'd be nice if the CLI had JSON output for `nimbus status` so I can script it.",
    ],
    "bug": [
        "Nimbus {version} keeps crashing on {os} when I open the preferences window. Anyone else?",
        "Sync is stuck at 'Preparing {n} files' for hours. Restarting doesn't help.",
        "Getting {error} every time I try to sync a shared folder. Really frustrating.",
        "After updating to {version}, Nimbus eats 100% CPU on {os}. Had to kill it.",
        "Bug: renaming a folder in Nimbus creates a duplicate instead of moving it. Lost an hour to this.",
        "Nimbus deleted my local changes after a conflict. This is a serious bug, please fix.",
        "The Nimbus tray icon disappeared on {os} after the update and the app won't open.",
        "Files with umlauts in the name don't sync between macOS and Windows. Broken since {version}.",
        "Login loop on the Nimbus {device} app. It keeps asking for my password.",
        "Selective sync settings reset themselves after every restart on {os}. Annoying bug.",
        "Upload stuck at 99% for a {size} file, error {error}. Tried three times.",
        "Nimbus CLI segfaults on {os} with `nimbus sync --once`. Stack trace in the forum.",
        "Version history shows the wrong timestamps, off by one hour since the DST change.",
        "Notifications are broken on {os}: I get {n} 'file synced' popups in a row.",
        "Nimbus keeps re-uploading the same {size} folder every night. Something is wrong.",
        "Memory leak in {version}? Nimbus is at 3 GB RAM after a day on {os}.",
        "Shared folder invites fail with {error}. Colleague can't join our workspace.",
    ],
    "complaint": [
        "Nimbus raised prices again? That's the second time this year. Seriously considering {competitor}.",
        "Support hasn't answered my ticket in {n} days. Terrible for a paid product.",
        "Why does Nimbus need access to my contacts on {device}? Not okay.",
        "The new Nimbus UI is a mess. Everything takes three clicks now.",
        "Really disappointed with Nimbus lately. Slow, buggy, and nobody listens.",
        "Paying for Pro and still getting sync conflicts every day. Not worth the money.",
        "Nimbus silently stopped syncing for a week and I only noticed when I needed the file. Awful.",
        "Dropping the free plan to two devices is a terrible move. Moving my family to {competitor}.",
        "The Nimbus changelog says 'bug fixes' for every release. Tell us what you actually changed!",
        "Cancelled my Nimbus subscription. Too many regressions in {version}.",
        "Forcing an account login just to use LAN sync is ridiculous.",
        "Nimbus keeps nagging me to upgrade every time I open the app. Stop it.",
    ],
    "outage": [
        "Is Nimbus down? Nothing is syncing and the dashboard just spins. Frustrating.",
        "Nimbus sync is broken for everyone right now? Getting {error} on all devices.",
        "Nimbus down again. Third time this quarter, and we have a deadline today. Terrible.",
        "Can't log in to Nimbus at all. 502 on the website, {error} in the app. Awful.",
        "Whole team is blocked because Nimbus is down. Any ETA, {team}? This is bad.",
        "Nimbus outage is killing our release day. Status page still says all green. Pathetic.",
        "Anyone else seeing {error} from Nimbus? Broken for about {minutes} minutes now.",
        "Nimbus failed mid-upload and now half my files show conflict copies. What a mess.",
        "So Nimbus is down and there is zero communication. Unacceptable for a paid service.",
        "Nimbus servers seem to be on fire. Shared folders unavailable, uploads failing. Horrible.",
        "Our CI can't fetch artifacts because Nimbus is down. Horrible timing.",
        "Nimbus status page finally admits the outage. {minutes} minutes too late. Poor communication.",
        "Lost an afternoon of work to this Nimbus outage. Seriously annoyed.",
    ],
    "answer": [
        "You can add a .nimbusignore file in the folder root, same syntax as .gitignore.",
        "Preferences > Sync > Location lets you move the folder. It re-indexes but doesn't re-upload.",
        "Try `nimbus restore --version` with the file path, it lists all versions.",
        "I had the same issue, clearing the cache folder and restarting fixed it for me.",
        "Bandwidth limits are under Preferences > Network. There's a schedule option in {version}.",
        "Yes, {feature} works on the free plan, just with a smaller limit.",
        "Logs are in ~/.nimbus/logs on Linux and macOS, %APPDATA%\\Nimbus\\logs on Windows.",
        "Check that the NAS share is mounted before Nimbus starts, otherwise it marks the folder as deleted.",
        "There's a community Docker image, but the official one is on their roadmap.",
        "Downgrading to the previous version fixed it for me until they ship a patch.",
        "Pretty sure that's a known issue, there's a thread on the forum with a workaround.",
        "Share links work for people without an account, you can set a password too.",
    ],
    "agree": [
        "Same here, {feature} has been great for me too.",
        "100% agree. Nimbus is the only sync app I've never had to babysit.",
        "Can confirm, {version} is a big improvement.",
        "This. Been using it on {os} for months, rock solid.",
        "Glad it's not just me who loves {feature}!",
        "Yep, switched from {competitor} too, no regrets.",
    ],
    "metoo": [
        "Same problem here on {os}. Broken since updating to {version}.",
        "Seeing {error} too. Restarting didn't help, really frustrating.",
        "+1, this is driving me nuts.",
        "Exactly the same for me. Really annoying.",
        "Happens to me as well, on two different machines. Ugly bug.",
        "Same. Had to roll back to the previous version, which sucks.",
        "Yeah, it's down for me too. Nothing syncing, horrible.",
    ],
    "plusone": [
        "+1, would love this too.",
        "Yes please! This is the one thing I miss from {competitor}.",
        "Upvoting this. Would make {feature} so much more useful.",
        "This would be great for our team as well.",
        "Agreed, I'd even pay a bit more for it.",
    ],
    "thanks": [
        "That worked, thanks a lot!",
        "Perfect, thank you! Should be in the docs.",
        "Thanks, that fixed it.",
        "Oh nice, didn't know that. Thanks!",
        "Thank you, super helpful.",
    ],
    "team_question": [
        "Hi! You can do that in Preferences. Step by step: https://docs.nimbus.example/help",
        "Good question! This is supported since {version}; the help center has a step-by-step guide.",
        "Thanks for asking! Not possible yet, but it's on our roadmap. We'll post an update here.",
        "Hey, a .nimbusignore in the folder root does exactly that. Let us know if you get stuck!",
    ],
    "team_bug": [
        "Sorry about that! Could you send us your logs via the in-app feedback? We're looking into it.",
        "Thanks for the report. We can reproduce this on {os} and a fix is coming in the next patch.",
        "We're sorry for the trouble. This is fixed in {version}, please update and let us know.",
        "Ouch, that shouldn't happen. Could you DM us your account email so we can take a look?",
    ],
    "team_complaint": [
        "We hear you, and we're sorry. We've passed this on to the product team.",
        "Sorry for the wait. Your ticket is escalated now, someone will reply today.",
        "Thanks for the honest feedback. We're working on making this better.",
    ],
    "team_praise": [
        "Thank you so much! We'll share this with the team. 💙",
        "This made our day, thanks for the kind words!",
        "Glad it works well for you! Let us know if you ever need anything.",
    ],
    "team_outage": [
        "We're investigating elevated sync errors. Updates on status.nimbus.example. Sorry!",
        "Update: we've identified the cause (a database failover) and are rolling out a fix.",
        "Sync is recovering. Some clients may need a few minutes to catch up.",
        "Resolved: all systems are back to normal. We'll publish a post-mortem. Sorry for the disruption.",
    ],
    "team_release": [
        "Nimbus {version} is out! Faster startup, better conflict handling and {feature} improvements.",
        "New release: Nimbus {version}. Full changelog on our blog. Thanks for all the feedback!",
    ],
}

# Reddit posts take their first sentence as the title; a quarter use one of these instead.
TITLES: dict[str, list[str]] = {
    "praise": [
        "Nimbus {version} is really good",
        "Finally a sync tool that just works",
        "Appreciation post",
        "Six months with Nimbus: a review",
    ],
    "question": [
        "Quick question",
        "Question about Nimbus {version}",
        "Help needed",
        "Newbie question",
    ],
    "feature": ["Feature request", "Wish list for the next Nimbus release", "Suggestion"],
    "bug": ["Bug after updating to {version}?", "Is this a bug?", "Something is broken on {os}"],
    "complaint": [
        "Is it just me or has Nimbus gotten worse?",
        "Getting frustrated with Nimbus",
        "Rant",
    ],
    "outage": ["Is Nimbus down?", "Nimbus outage megathread", "Sync down for everyone?"],
}

RSS_POSTS = [
    (
        "Nimbus {version} brings faster sync and better {feature}",
        "We tested Nimbus {version} on {os} for two weeks. Sync is fast and {feature} is well "
        "done, but the settings window still needs work.",
    ),
    (
        "Review: Nimbus is a solid {competitor} alternative",
        "A look at how Nimbus compares to {competitor} for a ten-person studio: speed, price "
        "and privacy.",
    ),
    (
        "How we moved our team's files to Nimbus",
        "Our notes from migrating {size} of project files from {competitor} to Nimbus, "
        "including the mistakes we made on the way.",
    ),
    (
        "Self-hosting vs. Nimbus: a cost comparison",
        "Running Syncthing on our own server versus paying for Nimbus: what a year of {size} "
        "really costs once you count the admin time.",
    ),
    (
        "Nimbus improves {feature} for teams",
        "Nimbus, the file-sync app from a small European team, reworked {feature} for its team "
        "plans. Pricing stays the same for existing customers.",
    ),
    (
        "Five sync tools compared: {competitor}, Nimbus and more",
        "We synced the same {size} project folder with five tools on {os}. Nimbus was the "
        "fastest on the first upload; {competitor} was cheapest.",
    ),
    (
        "Nimbus {version} release notes, annotated",
        "The official changelog is short, so we read the diff: {feature} got the most attention, "
        "plus a long list of small fixes on {os}.",
    ),
    (
        "Why our studio pays for file sync",
        "Free tools are great until a designer loses a day of work. Why we moved to Nimbus and "
        "what we would do differently.",
    ),
]
RSS_OUTAGE = (
    "Nimbus outage: what happened and what we can learn",
    "The Nimbus service was unavailable for several hours. The company blamed a database "
    "failover and promised a post-mortem. Here is what teams can do to be ready next time.",
)

# Singular, without an article: templates say "the best part is {feature}" and
# "{Feature} just works".
FEATURES = [
    "selective sync",
    "conflict resolution",
    "LAN sync",
    "end-to-end encryption",
    "version history",
    "bandwidth scheduling",
    "offline mode",
    "link sharing",
    "SSO",
    "smart sync",
    "file preview",
    "the CLI",
    "the web dashboard",
]
DEVICES = ["iPhone", "iPad", "Android phone", "Pixel", "Raspberry Pi", "Steam Deck", "Chromebook"]
# Added around a text now and then so the same template reads differently; by mood.
OPENERS = {
    "positive": ["Real talk: ", "Gotta say: ", "Not sponsored: "],
    "negative": ["Ugh. ", "Heads up: ", "PSA: ", "Welp. "],
    "neutral": ["Hey folks! ", "Quick one: ", "Hi all! "],
}
CLOSERS = {
    "positive": [" 👏", " 💙", " #nimbus", " Thanks, team!", " 10/10"],
    "negative": [" 😤", " Any ideas?", " #nimbus", " Please fix.", " 🙄"],
    "neutral": [" Thanks!", " 🙏", " Any ideas?", " TIA", " #nimbus"],
}
