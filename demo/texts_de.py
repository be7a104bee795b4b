"""German text templates for the demo dataset; the same slots and keys as ``texts_en``."""

from __future__ import annotations

TEXTS: dict[str, list[str]] = {
    "praise": [
        "Bin letzten Monat von {competitor} zu Nimbus gewechselt und total zufrieden. {Feature} funktioniert einfach.",
        "Nimbus {version} ist richtig schnell. {n} Dateien auf drei Rechnern synchronisiert, bevor der Kaffee fertig war.",
        "Das Beste an Nimbus ist ehrlich gesagt {feature}. Hat mir diese Woche Stunden gespart.",
        "Großes Lob an {team}: {feature} ist richtig gut gemacht. Endlich ein Sync-Tool, das meine Leitung nicht lahmlegt.",
        "Nimbus läuft seit {n} Tagen auf {os} ohne einen einzigen Konflikt. Stark!",
        "Mit {version} ist {feature} genau so, wie ich es mir gewünscht habe. Super Arbeit!",
        "Nimbus hat mir eine Datei zurückgeholt, die ich vor zwei Wochen gelöscht hatte. Danke, Versionsverlauf!",
        "Nimbus für das ganze Team in unter {minutes} Minuten eingerichtet. Sehr angenehm.",
        "War skeptisch, aber Nimbus kommt mit unserem {size} großen Projektordner besser klar als {competitor}.",
        "Kleinigkeit, aber die Status-Icons unter {os} sind jetzt viel klarer. Schöner Feinschliff in {version}.",
        "Der Nimbus-Support hat mein Ticket am Sonntag in {minutes} Minuten beantwortet. Hervorragend!",
        "LAN-Sync zwischen Laptop und Desktop ist wahnsinnig schnell. {size} in ein paar Minuten.",
        "Sehr zufrieden mit Nimbus auf dem {device}. Der Akku hält deutlich länger als mit {competitor}.",
        "Die CLI ist klasse. `nimbus status --watch` läuft bei mir dauerhaft im tmux.",
        "Ende-zu-Ende-Verschlüsselung ab Werk, Server in der EU: Nimbus kann ich guten Gewissens empfehlen.",
        "Update auf {version} gemacht, der Start ist jetzt quasi sofort da. Danke dafür!",
        "Nimbus ist eines der wenigen Abos, die ich nicht bereue. Solide und zuverlässig. Top.",
        "Die Konfliktlösung in Nimbus ist die erste, die ich wirklich verstehe. Tolle Bedienung.",
        "Unsere Agentur hat die Ordner von {n} Kunden zu Nimbus umgezogen. Bisher keine Beschwerden.",
        "Ich mag, dass Nimbus offline einfach weiterläuft und später nachsynchronisiert. Perfekt für die Bahn.",
    ],
    "question": [
        "Wie kann ich node_modules vom Sync ausschließen? Gibt es eine .nimbusignore?",
        "Weiß jemand, wie ich den Nimbus-Ordner unter {os} auf eine andere Platte verschiebe?",
        "Kann man die Upload-Geschwindigkeit von Nimbus nur während der Arbeitszeit begrenzen?",
        "Wie teile ich einen Ordner mit jemandem, der kein Nimbus-Konto hat?",
        "Kurze Frage: Ist {feature} auch im kostenlosen Tarif dabei oder nur bei Pro?",
        "Kann Nimbus einen Ordner auf dem NAS synchronisieren? Per SMB eingebunden unter {os}.",
        "Wie kann ich über die CLI eine ältere Version einer Datei wiederherstellen?",
        "Wie ziehe ich am besten {size} von {competitor} zu Nimbus um, ohne alles neu hochzuladen?",
        "Sind geteilte Ordner bei Nimbus auch Ende-zu-Ende-verschlüsselt oder nur private?",
        "Betreibt jemand den Nimbus-Client headless auf einem Raspberry Pi? Wie habt ihr das eingerichtet?",
        "Wie sehe ich in Nimbus, welches Gerät eine Datei zuletzt geändert hat?",
        "Unterstützt Nimbus {version} symbolische Links unter {os}? Bei mir werden sie übersprungen.",
        "Wo finde ich das API-Token für die Webhooks? Im Dashboard sehe ich nichts.",
        "Wie kann ich verhindern, dass Nimbus unter {os} beim Login automatisch startet?",
        "Geht SSO mit Azure AD im Team-Tarif? Die Doku ist da etwas unklar.",
        "Wo legt Nimbus unter {os} die Logdateien ab? Der Support hat danach gefragt.",
        "Wie viele Geräte kann ich im Personal-Tarif verbinden?",
        "Was passiert mit meinen Dateien, wenn mein Abo ausläuft?",
    ],
    "feature": [
        "Wunsch: Bitte Sync pro Ordner pausieren können, nicht nur global.",
        "Ein Dark Mode für das Web-Dashboard wäre toll.",
        "Bitte einen nativen ARM-Build für Linux. Nimbus auf dem {device} wäre genial.",
        "Schön wäre eine Diff-Ansicht für Textdateien im Versionsverlauf.",
        "Gibt es Pläne für eine .nimbusignore mit gitignore-Syntax?",
        "Wunschliste: Zeitpläne für die Bandbreite, damit Nimbus nur nachts hochlädt.",
        "Könnte {feature} ein Tastenkürzel bekommen? Ich brauche das ständig.",
        "Nimbus braucht ein richtiges Audit-Log für Team-Admins: wer hat wann was gelöscht.",
        "Für längere Aufbewahrung würde ich gern mehr zahlen, z. B. ein Jahr Versionsverlauf.",
        "Bitte WebDAV unterstützen, damit ich Nimbus auch ohne Client einbinden kann.",
        "Idee: Freigabelinks, die nach {n} Downloads ablaufen.",
        "Hoffe sehr auf Zwei-Faktor mit Hardware-Keys (WebAuthn) im nächsten Release.",
        "Eine JSON-Ausgabe für `nimbus status` wäre super zum Skripten.",
    ],
    "bug": [
        "Nimbus {version} stürzt unter {os} ab, sobald ich die Einstellungen öffne. Noch jemand?",
        "Sync hängt seit Stunden bei 'Bereite {n} Dateien vor'. Neustart hilft nicht.",
        "Bekomme bei jedem Sync eines geteilten Ordners {error}. Echt ärgerlich.",
        "Seit dem Update auf {version} frisst Nimbus unter {os} 100 % CPU. Musste es beenden.",
        "Fehler: Beim Umbenennen eines Ordners legt Nimbus eine Kopie an, statt ihn zu verschieben.",
        "Nimbus hat nach einem Konflikt meine lokalen Änderungen gelöscht. Das ist ein schlimmer Fehler!",
        "Das Tray-Icon ist unter {os} nach dem Update weg und die App startet nicht mehr.",
        "Dateien mit Umlauten im Namen (ä, ö, ü) synchronisieren nicht zwischen macOS und Windows. Kaputt seit {version}.",
        "Login-Schleife in der Nimbus-App auf dem {device}. Sie fragt ständig nach dem Passwort.",
        "Die Einstellungen für selektiven Sync setzen sich unter {os} nach jedem Neustart zurück. Nervt.",
        "Upload einer {size} großen Datei hängt bei 99 %, Fehler {error}. Dreimal probiert.",
        "Der Versionsverlauf zeigt seit der Zeitumstellung falsche Uhrzeiten, eine Stunde daneben.",
        "Nimbus lädt jede Nacht denselben {size} großen Ordner neu hoch. Da stimmt was nicht.",
        "Speicherleck in {version}? Nimbus braucht nach einem Tag unter {os} 3 GB RAM.",
        "Einladungen zu geteilten Ordnern schlagen mit {error} fehl. Kollegin kommt nicht rein.",
    ],
    "complaint": [
        "Nimbus erhöht schon wieder die Preise? Zum zweiten Mal dieses Jahr. Ich schaue mir {competitor} an.",
        "Der Support antwortet seit {n} Tagen nicht auf mein Ticket. Schwach für ein Bezahlprodukt.",
        "Warum will die Nimbus-App auf dem {device} Zugriff auf meine Kontakte? Geht gar nicht.",
        "Die neue Oberfläche ist ein Rückschritt. Alles braucht jetzt drei Klicks.",
        "Bin von Nimbus in letzter Zeit echt enttäuscht. Langsam, fehlerhaft, und keiner hört zu.",
        "Zahle für Pro und habe trotzdem jeden Tag Sync-Konflikte. Das Geld ist es nicht wert.",
        "Nimbus hat eine Woche lang heimlich nicht synchronisiert. Gemerkt erst, als ich die Datei brauchte. Furchtbar.",
        "Den Gratis-Tarif auf zwei Geräte zu beschränken ist eine Frechheit. Die Familie zieht zu {competitor} um.",
        "Im Changelog steht bei jedem Release nur 'Fehlerbehebungen'. Sagt doch mal, was sich ändert!",
        "Habe mein Nimbus-Abo gekündigt. Zu viele Probleme mit {version}.",
        "Ein Konto-Login nur für LAN-Sync? Lächerlich.",
    ],
    "outage": [
        "Ist Nimbus down? Nichts synchronisiert und das Dashboard lädt ewig. Ärgerlich.",
        "Nimbus-Sync gerade für alle kaputt? Bekomme {error} auf allen Geräten.",
        "Nimbus schon wieder down. Das dritte Mal in diesem Quartal, und wir haben heute eine Deadline. Furchtbar.",
        "Komme gar nicht mehr in Nimbus rein. 502 auf der Webseite, {error} in der App. Katastrophe.",
        "Das ganze Team steht still, weil Nimbus ausgefallen ist. Gibt es schon eine Prognose, {team}? Echt schlecht.",
        "Die Nimbus-Störung ruiniert unseren Release-Tag. Die Statusseite ist natürlich noch grün. Peinlich.",
        "Sieht noch jemand {error} bei Nimbus? Seit etwa {minutes} Minuten kaputt.",
        "Nimbus ist mitten im Upload ausgefallen und jetzt habe ich überall Konfliktkopien. Mist.",
        "Nimbus ist down und es gibt null Kommunikation. Für einen Bezahldienst eine Frechheit.",
        "Ausfall bei Nimbus: geteilte Ordner nicht erreichbar, Uploads schlagen fehl. Schlimm.",
        "Unser CI kommt nicht an die Artefakte, weil Nimbus down ist. Eine Katastrophe.",
        "Schon wieder eine Störung bei Nimbus. Bin echt sauer.",
    ],
    "answer": [
        "Leg eine .nimbusignore in den Hauptordner, gleiche Syntax wie .gitignore.",
        "Unter Einstellungen > Sync > Speicherort kannst du den Ordner verschieben. Er indexiert neu, lädt aber nicht neu hoch.",
        "Probier `nimbus restore --version` mit dem Dateipfad, das listet alle Versionen auf.",
        "Hatte dasselbe Problem, Cache-Ordner löschen und neu starten hat bei mir geholfen.",
        "Bandbreitenlimits findest du unter Einstellungen > Netzwerk. Seit {version} auch mit Zeitplan.",
        "Ja, {feature} geht auch im kostenlosen Tarif, nur mit kleinerem Limit.",
        "Die Logs liegen unter ~/.nimbus/logs (Linux, macOS) bzw. %APPDATA%\\Nimbus\\logs (Windows).",
        "Achte darauf, dass das NAS eingebunden ist, bevor Nimbus startet, sonst hält er den Ordner für gelöscht.",
        "Ein Downgrade auf die vorige Version hat bei mir geholfen, bis der Patch kommt.",
        "Das ist ein bekanntes Problem, im Forum gibt es einen Thread mit Workaround.",
    ],
    "agree": [
        "Geht mir genauso, {feature} ist wirklich gut.",
        "Absolut. Nimbus ist die einzige Sync-App, um die ich mich nie kümmern muss.",
        "Kann ich bestätigen, {version} ist eine deutliche Verbesserung.",
        "Genau. Läuft bei mir seit Monaten stabil unter {os}.",
        "Bin auch von {competitor} gewechselt und bereue nichts.",
    ],
    "metoo": [
        "Gleiches Problem hier unter {os}. Kaputt seit dem Update auf {version}.",
        "Sehe {error} auch. Neustart hilft nicht, echt ärgerlich.",
        "+1, das nervt total.",
        "Bei mir genau dasselbe. Sehr ärgerlich.",
        "Passiert bei mir auch, auf zwei verschiedenen Rechnern. Schlimmer Fehler.",
        "Ja, bei mir ist es auch down. Nichts geht, furchtbar.",
    ],
    "plusone": [
        "+1, hätte ich auch gern.",
        "Ja, bitte! Das ist das Einzige, was ich von {competitor} vermisse.",
        "Wäre für unser Team auch super.",
        "Sehe ich genauso, dafür würde ich sogar etwas mehr zahlen.",
    ],
    "thanks": [
        "Hat funktioniert, vielen Dank!",
        "Perfekt, danke! Sollte in der Doku stehen.",
        "Danke, damit ging es.",
        "Oh cool, wusste ich nicht. Danke!",
        "Danke, sehr hilfreich.",
    ],
    "team_question": [
        "Hallo! Das findest du in den Einstellungen. Anleitung: https://docs.nimbus.example/de/hilfe",
        "Gute Frage! Das geht seit {version}; im Hilfe-Center gibt es eine Schritt-für-Schritt-Anleitung.",
        "Danke für die Frage! Das geht noch nicht, steht aber auf unserer Roadmap.",
    ],
    "team_bug": [
        "Das tut uns leid! Kannst du uns die Logs über das Feedback in der App schicken? Wir schauen es uns an.",
        "Danke für den Hinweis. Wir können das unter {os} nachstellen, der Fix kommt mit dem nächsten Patch.",
        "Sorry für den Ärger. Das ist in {version} behoben, bitte aktualisieren und Bescheid geben.",
    ],
    "team_complaint": [
        "Wir verstehen den Ärger und es tut uns leid. Wir haben das an das Produktteam weitergegeben.",
        "Entschuldige die Wartezeit. Dein Ticket ist jetzt eskaliert, du bekommst heute eine Antwort.",
        "Danke für das ehrliche Feedback. Wir arbeiten daran.",
    ],
    "team_praise": [
        "Vielen Dank! Das geben wir gern ans Team weiter. 💙",
        "Das freut uns riesig, danke für die netten Worte!",
    ],
    "team_outage": [
        "Wir untersuchen gerade erhöhte Sync-Fehler. Updates auf status.nimbus.example. Sorry!",
        "Update: Ursache gefunden (ein Datenbank-Failover), der Fix wird ausgerollt.",
        "Alles läuft wieder. Wir veröffentlichen eine Analyse. Entschuldigt die Störung.",
    ],
    "team_release": [
        "Nimbus {version} ist da! Schnellerer Start, bessere Konfliktlösung, und {feature} wurde überarbeitet.",
    ],
}

TITLES: dict[str, list[str]] = {
    "praise": [
        "Nimbus {version} ist richtig gut",
        "Endlich ein Sync-Tool, das einfach läuft",
        "Ein Lob",
    ],
    "question": ["Kurze Frage", "Frage zu Nimbus {version}", "Brauche Hilfe"],
    "feature": ["Wunsch fürs nächste Release", "Verbesserungsvorschlag"],
    "bug": ["Fehler seit {version}?", "Ist das ein Bug?", "Probleme unter {os}"],
    "complaint": ["Bin ich der Einzige, der genervt ist?", "Langsam reicht es mit Nimbus"],
    "outage": ["Ist Nimbus down?", "Nimbus-Störung: Sammelthread", "Sync bei allen kaputt?"],
}

RSS_POSTS = [
    (
        "Nimbus {version} ist da: {Feature} überarbeitet",
        "Wir haben Nimbus {version} zwei Wochen unter {os} getestet. Der Sync ist schnell und "
        "{feature} gut gelöst, die Einstellungen brauchen aber noch Feinschliff.",
    ),
    (
        "Im Test: Nimbus als Alternative zu {competitor}",
        "Wie schlägt sich Nimbus im Vergleich zu {competitor} in einem Büro mit zehn Leuten? "
        "Geschwindigkeit, Preis und Datenschutz im Überblick.",
    ),
    (
        "So haben wir unsere Projektdaten zu Nimbus umgezogen",
        "Unsere Notizen zum Umzug von {size} Projektdaten von {competitor} zu Nimbus, "
        "inklusive der Fehler, die wir dabei gemacht haben.",
    ),
    (
        "Datenschutz im Vergleich: Nimbus, {competitor} und Co.",
        "Wo liegen die Daten, wer kann mitlesen? Neues beim Sync-Dienst Nimbus: {Feature} gibt "
        "es jetzt in allen Tarifen.",
    ),
    (
        "Fünf Sync-Dienste im Vergleich",
        "Wir haben denselben {size} großen Projektordner mit fünf Diensten unter {os} "
        "synchronisiert. Nimbus war beim ersten Upload am schnellsten, {competitor} am günstigsten.",
    ),
    (
        "Nimbus {version}: Die Neuerungen im Überblick",
        "Der offizielle Changelog ist knapp, also haben wir genauer hingesehen: {Feature} wurde "
        "am stärksten überarbeitet.",
    ),
    (
        "Dateisync im Homeoffice: Unsere Erfahrungen",
        "Ein Jahr verteiltes Arbeiten mit Nimbus: Was gut lief, was genervt hat und was wir "
        "anderen Teams raten.",
    ),
]
RSS_OUTAGE = (
    "Nimbus-Ausfall: Was passiert ist",
    "Nimbus war mehrere Stunden nicht erreichbar. Der Anbieter nennt einen Datenbank-Failover "
    "als Ursache und kündigt eine Analyse an.",
)

# Nominative with the article: every German template uses {feature} as a subject or after "ist".
FEATURES = [
    "der selektive Sync",
    "die Konfliktlösung",
    "der LAN-Sync",
    "die Ende-zu-Ende-Verschlüsselung",
    "der Versionsverlauf",
    "die CLI",
    "das Web-Dashboard",
    "die Bandbreitensteuerung",
    "der Offline-Modus",
    "das Teilen per Link",
    "die SSO-Anmeldung",
    "die Dateivorschau",
]
DEVICES = ["iPhone", "iPad", "Android-Handy", "Pixel", "Raspberry Pi", "Steam Deck", "Tablet"]
OPENERS = {
    "positive": ["Ich sag's mal so: ", "Muss mal gesagt werden: ", "Kurzes Lob: "],
    "negative": ["Boah. ", "Achtung: ", "Hinweis: ", "Mal wieder: "],
    "neutral": ["Hallo zusammen! ", "Kurze Frage: ", "Moin! "],
}
CLOSERS = {
    "positive": [" 👏", " 💙", " #nimbus", " Danke, Team!", " Weiter so!"],
    "negative": [" 😤", " Hat jemand eine Idee?", " #nimbus", " Bitte fixen.", " 🙄"],
    "neutral": [" Danke!", " 🙏", " Hat jemand eine Idee?", " Danke im Voraus", " #nimbus"],
}
