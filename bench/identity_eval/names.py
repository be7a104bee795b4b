"""Names as people write them: first and family names per origin, with the spellings in use.

Each name is a tuple of spellings: the first one is the native spelling (with umlauts, Greek or
Cyrillic letters), the others are the Latin spellings people really use on their accounts, most
common first. Common names are weighted so that namesakes happen as often as they do.
"""

from __future__ import annotations

# --- German ------------------------------------------------------------------------------
DE_FIRST_F = [
    ("Anna",), ("Lena",), ("Julia",), ("Laura",), ("Sarah",), ("Lisa",), ("Katharina",),
    ("Sophie",), ("Hannah",), ("Marie",), ("Johanna",), ("Miriam",), ("Franziska",),
    ("Svenja",), ("Wiebke",), ("Jana",), ("Nina",), ("Carina",), ("Anke",), ("Birgit",),
    ("Sabine",), ("Ute",), ("Petra",), ("Kerstin",), ("Maren",), ("Friederike",), ("Insa",),
    ("Jördis", "Joerdis", "Jordis"), ("Björk", "Bjoerk"), ("Käthe", "Kaethe", "Kathe"),
    ("Lea",), ("Merle",), ("Tabea",), ("Annika",), ("Eva",), ("Greta",), ("Ilka",),
]
DE_FIRST_M = [
    ("Thomas",), ("Michael",), ("Andreas",), ("Stefan",), ("Christian",), ("Markus",),
    ("Tobias",), ("Jan",), ("Jonas",), ("Lukas",), ("Felix",), ("Max",), ("Paul",), ("Tim",),
    ("Florian",), ("Sebastian",), ("Matthias",), ("Daniel",), ("Benedikt",), ("Moritz",),
    ("Jürgen", "Juergen", "Jurgen"), ("Jörg", "Joerg", "Jorg"), ("Björn", "Bjoern", "Bjorn"),
    ("Sören", "Soeren", "Soren"), ("Günther", "Guenther", "Gunther"), ("Uwe",), ("Dirk",),
    ("Frank",), ("Holger",), ("Malte",), ("Hauke",), ("Nils",), ("Ole",), ("Henning",),
    ("Till",), ("Lars",), ("Arne",), ("Fynn",),
]
DE_LAST = [
    ("Müller", "Mueller", "Muller"), ("Schmidt",), ("Schneider",), ("Fischer",), ("Weber",),
    ("Meyer",), ("Wagner",), ("Becker",), ("Schulz",), ("Hoffmann",), ("Koch",), ("Richter",),
    ("Klein",), ("Wolf",), ("Schröder", "Schroeder", "Schroder"), ("Neumann",),
    ("Schwarz",), ("Zimmermann",), ("Braun",), ("Krüger", "Krueger", "Kruger"),
    ("Hofmann",), ("Hartmann",), ("Lange",), ("Schmitt",), ("Werner",), ("Krause",),
    ("Meier",), ("Lehmann",), ("Schmid",), ("Schulze",), ("Maier",), ("Köhler", "Koehler", "Kohler"),
    ("Herrmann",), ("König", "Koenig", "Konig"), ("Walter",), ("Mayer",), ("Huber",),
    ("Kaiser",), ("Fuchs",), ("Peters",), ("Lang",), ("Scholz",), ("Möller", "Moeller", "Moller"),
    ("Weiß", "Weiss"), ("Jung",), ("Hahn",), ("Schubert",), ("Vogel",), ("Friedrich",),
    ("Keller",), ("Günther", "Guenther", "Gunther"), ("Frank",), ("Berger",), ("Winkler",),
    ("Roth",), ("Beck",), ("Lorenz",), ("Baumann",), ("Franke",), ("Albrecht",),
    ("Schäfer", "Schaefer", "Schafer"), ("Groß", "Gross"), ("Bäcker", "Baecker", "Backer"),
    ("Jäger", "Jaeger", "Jager"), ("Brückner", "Brueckner", "Bruckner"),
    ("Hasselkamp",), ("Oltmanns",), ("Tjarks",), ("Wübbena", "Wuebbena"), ("Dreßler", "Dressler"),
    ("Rößler", "Roessler", "Rossler"), ("Pöhlmann", "Poehlmann"), ("Überall", "Ueberall"),
    ("Brandt",), ("Ahrens",), ("Harms",), ("Claßen", "Classen"), ("Kühn", "Kuehn", "Kuhn"),
    ("Thomsen",), ("Petersen",), ("Jansen",), ("Hinrichs",), ("Strüver", "Struever"),
]

# --- English (UK/US/AU) --------------------------------------------------------------------
EN_FIRST_F = [
    ("Emily",), ("Sarah",), ("Jessica",), ("Emma",), ("Olivia",), ("Hannah",), ("Rachel",),
    ("Laura",), ("Megan",), ("Lauren",), ("Amy",), ("Kate",), ("Claire",), ("Rebecca",),
    ("Charlotte",), ("Sophie",), ("Grace",), ("Chloe",), ("Zoe",), ("Mia",), ("Ava",),
    ("Abigail",), ("Madison",), ("Jennifer",), ("Michelle",), ("Nicole",), ("Priya",),
    ("Aisha",), ("Mei",), ("Siobhan",), ("Niamh",), ("Imogen",), ("Harriet",), ("Tamsin",),
]
EN_FIRST_M = [
    ("James",), ("John",), ("Robert",), ("Michael",), ("David",), ("William",), ("Richard",),
    ("Joseph",), ("Thomas",), ("Daniel",), ("Matthew",), ("Chris",), ("Andrew",), ("Mark",),
    ("Paul",), ("Steven",), ("Kevin",), ("Brian",), ("Ryan",), ("Jason",), ("Adam",), ("Ben",),
    ("Sam",), ("Tom",), ("Jack",), ("Oliver",), ("Harry",), ("Liam",), ("Ethan",), ("Noah",),
    ("Raj",), ("Arjun",), ("Wei",), ("Kenji",), ("Declan",), ("Callum",), ("Rhys",), ("Owen",),
]
EN_LAST = [
    ("Smith",), ("Johnson",), ("Williams",), ("Brown",), ("Jones",), ("Miller",), ("Davis",),
    ("Wilson",), ("Anderson",), ("Taylor",), ("Thomas",), ("Moore",), ("Jackson",), ("Martin",),
    ("Lee",), ("Thompson",), ("White",), ("Harris",), ("Clark",), ("Lewis",), ("Robinson",),
    ("Walker",), ("Young",), ("Allen",), ("King",), ("Wright",), ("Scott",), ("Hill",),
    ("Green",), ("Adams",), ("Baker",), ("Nelson",), ("Carter",), ("Mitchell",), ("Roberts",),
    ("Turner",), ("Phillips",), ("Campbell",), ("Parker",), ("Evans",), ("Edwards",),
    ("Collins",), ("Stewart",), ("Morris",), ("Murphy",), ("Cook",), ("Rogers",), ("Morgan",),
    ("Cooper",), ("Peterson",), ("Reed",), ("Bailey",), ("Kelly",), ("Howard",), ("Ward",),
    ("Patel",), ("Shah",), ("Nguyen",), ("Chen",), ("Wong",), ("Kim",), ("Singh",),
    ("O'Brien", "OBrien", "Obrien"), ("O'Connor", "OConnor"), ("McAllister", "Mcallister"),
    ("Fitzgerald",), ("Hargreaves",), ("Pemberton",), ("Whitfield",), ("Ashworth",),
    ("Okafor",), ("Abernathy",), ("Delacroix",), ("Lindqvist",), ("Kowalczyk",),
]

# --- names with diacritics other than German (Polish, Czech, Turkish, Spanish, French, Nordic)
DIA_FIRST = [
    ("Łukasz", "Lukasz"), ("Paweł", "Pawel"), ("Małgorzata", "Malgorzata"), ("Michał", "Michal"),
    ("Jiří", "Jiri"), ("Tomáš", "Tomas"), ("Zdeněk", "Zdenek"), ("Şebnem", "Sebnem"),
    ("Çağla", "Cagla"), ("Gökhan", "Gokhan"), ("José", "Jose"), ("María", "Maria"),
    ("Inés", "Ines"), ("Begoña", "Begona"), ("François", "Francois"), ("Hélène", "Helene"),
    ("Søren", "Soren", "Soeren"), ("Åsa", "Asa"), ("Björn", "Bjorn"), ("Zoë", "Zoe"),
]
DIA_LAST = [
    ("Wójcik", "Wojcik"), ("Kowalczyk",), ("Dąbrowski", "Dabrowski"), ("Wiśniewska", "Wisniewska"),
    ("Nowák", "Novak"), ("Dvořák", "Dvorak"), ("Černý", "Cerny"), ("Yılmaz", "Yilmaz"),
    ("Öztürk", "Ozturk", "Oeztuerk"), ("Şahin", "Sahin"), ("Çelik", "Celik"), ("Muñoz", "Munoz"),
    ("Peña", "Pena"), ("García", "Garcia"), ("Núñez", "Nunez"), ("Lefèvre", "Lefevre"),
    ("Bérénger", "Berenger"), ("Ångström", "Angstrom"), ("Sjöberg", "Sjoberg", "Sjoeberg"),
    ("Håkansson", "Hakansson"), ("Jørgensen", "Jorgensen", "Joergensen"),
]

# --- Greek: (native, Latin spellings people use) ---------------------------------------------
EL_FIRST_M = [
    ("Γιώργος", "Giorgos", "George", "Yiorgos"), ("Δημήτρης", "Dimitris", "Dimitrios", "Jim"),
    ("Κωνσταντίνος", "Konstantinos", "Kostas", "Costas"), ("Νίκος", "Nikos", "Nick"),
    ("Γιάννης", "Giannis", "Yannis", "John"), ("Παναγιώτης", "Panagiotis", "Panos"),
    ("Βασίλης", "Vasilis", "Vassilis", "Bill"), ("Χρήστος", "Christos", "Chris"),
    ("Αθανάσιος", "Athanasios", "Thanos"), ("Σπύρος", "Spyros", "Spiros"),
    ("Θοδωρής", "Thodoris", "Theodore"), ("Ευάγγελος", "Evangelos", "Vangelis"),
]
EL_FIRST_F = [
    ("Μαρία", "Maria"), ("Ελένη", "Eleni", "Helen"), ("Αικατερίνη", "Aikaterini", "Katerina"),
    ("Σοφία", "Sofia", "Sophia"), ("Γεωργία", "Georgia"), ("Βασιλική", "Vasiliki", "Vicky"),
    ("Δέσποινα", "Despoina", "Despina"), ("Ευαγγελία", "Evangelia", "Evi"),
    ("Χριστίνα", "Christina"), ("Αναστασία", "Anastasia"), ("Ιωάννα", "Ioanna", "Joanna"),
]
# (masculine native, masculine Latin..., feminine native, feminine Latin...)
EL_LAST = [
    (("Παπαδόπουλος", "Papadopoulos"), ("Παπαδοπούλου", "Papadopoulou")),
    (("Οικονόμου", "Oikonomou", "Economou"), ("Οικονόμου", "Oikonomou", "Economou")),
    (("Γεωργίου", "Georgiou"), ("Γεωργίου", "Georgiou")),
    (("Νικολάου", "Nikolaou"), ("Νικολάου", "Nikolaou")),
    (("Καραγιάννης", "Karagiannis", "Karayannis"), ("Καραγιάννη", "Karagianni")),
    (("Βασιλείου", "Vasileiou", "Vassiliou"), ("Βασιλείου", "Vasileiou", "Vassiliou")),
    (("Αθανασίου", "Athanasiou"), ("Αθανασίου", "Athanasiou")),
    (("Χατζηδάκης", "Chatzidakis", "Hatzidakis"), ("Χατζηδάκη", "Chatzidaki", "Hatzidaki")),
    (("Μαυρίδης", "Mavridis"), ("Μαυρίδου", "Mavridou")),
    (("Δημητρίου", "Dimitriou"), ("Δημητρίου", "Dimitriou")),
    (("Κωνσταντινίδης", "Konstantinidis", "Constantinidis"), ("Κωνσταντινίδου", "Konstantinidou")),
    (("Αλεξίου", "Alexiou"), ("Αλεξίου", "Alexiou")),
    (("Ζαχαρίου", "Zachariou", "Zachariou"), ("Ζαχαρίου", "Zachariou")),
    (("Μπακογιάννης", "Bakogiannis", "Bakoyannis"), ("Μπακογιάννη", "Bakogianni", "Bakoyanni")),
]

# --- Russian and Ukrainian ----------------------------------------------------------------------
RU_FIRST_M = [
    ("Дмитрий", "Dmitry", "Dmitriy", "Dmitrii"), ("Алексей", "Alexey", "Aleksei", "Alexei"),
    ("Сергей", "Sergey", "Sergei"), ("Андрей", "Andrey", "Andrei"), ("Михаил", "Mikhail", "Michael"),
    ("Евгений", "Evgeny", "Evgenii", "Eugene"), ("Иван", "Ivan"), ("Николай", "Nikolay", "Nikolai"),
    ("Павел", "Pavel"), ("Юрий", "Yuri", "Yury", "Iurii"), ("Артём", "Artem", "Artyom"),
    ("Олександр", "Oleksandr", "Alexander", "Oleksander"), ("Тарас", "Taras"),
    ("Богдан", "Bohdan", "Bogdan"), ("Владимир", "Vladimir"), ("Фёдор", "Fedor", "Fyodor"),
]
RU_FIRST_F = [
    ("Юлия", "Yulia", "Julia", "Iuliia"), ("Екатерина", "Ekaterina", "Yekaterina", "Katya"),
    ("Наталья", "Natalia", "Natalya"), ("Ольга", "Olga"), ("Анна", "Anna"),
    ("Мария", "Maria", "Mariya"), ("Татьяна", "Tatiana", "Tatyana"), ("Ирина", "Irina"),
    ("Ксения", "Ksenia", "Kseniya", "Xenia"), ("Олена", "Olena", "Elena"),
    ("Дарья", "Daria", "Darya"), ("Светлана", "Svetlana"),
]
# (masculine native, Latin...), feminine formed by the caller for -ов/-ев/-ин names
RU_LAST = [
    ("Титов", "Titov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"), ("Попов", "Popov"),
    ("Соколов", "Sokolov"), ("Лебедев", "Lebedev"), ("Козлов", "Kozlov"), ("Новиков", "Novikov"),
    ("Морозов", "Morozov"), ("Волков", "Volkov"), ("Журавлёв", "Zhuravlev", "Zhuravlyov"),
    ("Щербаков", "Shcherbakov", "Scherbakov"), ("Яковлев", "Yakovlev", "Iakovlev"),
    ("Фёдоров", "Fedorov", "Fyodorov"), ("Шевченко", "Shevchenko"), ("Коваленко", "Kovalenko"),
    ("Бондаренко", "Bondarenko"), ("Ткаченко", "Tkachenko"), ("Ефимов", "Efimov", "Yefimov"),
    ("Белов", "Belov"), ("Орлов", "Orlov"), ("Жуков", "Zhukov"),
]

# Names so common that namesakes are expected (the held-out negatives).
COMMON_NAMES = [
    ("en", "John", "Davis"), ("en", "Richard", "Taylor"), ("en", "Sarah", "Johnson"),
    ("en", "James", "Smith"), ("en", "Michael", "Brown"), ("en", "Emily", "Clark"),
    ("en", "David", "Wilson"), ("en", "Chris", "Lee"), ("en", "Laura", "Martin"),
    ("en", "Daniel", "Kim"), ("en", "Jessica", "Miller"), ("en", "Mark", "Evans"),
    ("en", "Tom", "Walker"), ("en", "Rachel", "Green"), ("en", "Priya", "Patel"),
    ("de", "Anna", "Schmidt"), ("de", "Thomas", "Müller"), ("de", "Michael", "Weber"),
    ("de", "Julia", "Fischer"), ("de", "Stefan", "Meyer"), ("de", "Lisa", "Wagner"),
    ("de", "Andreas", "Becker"), ("de", "Sabine", "Schulz"), ("de", "Jan", "Hoffmann"),
    ("de", "Christian", "Koch"), ("de", "Katharina", "Richter"), ("de", "Tobias", "Klein"),
    ("de", "Markus", "Wolf"), ("de", "Laura", "Neumann"), ("de", "Felix", "Schwarz"),
    ("de", "Lena", "Krause"), ("de", "Daniel", "Lehmann"), ("de", "Sarah", "Schneider"),
]

# Short handles many different people hold on different platforms.
GENERIC_HANDLES = [
    "admin", "max", "anna", "info", "news", "alex", "tom", "mike", "sam", "jan", "lisa",
    "dev", "chris", "ben", "julia", "paul", "office", "hello", "team", "kontakt", "mail",
    "test", "user", "daniel", "markus", "nina", "kim", "leo", "tech", "media",
]

# Words for handles that say nothing about the name ("quietfox_77", "nordlicht").
HANDLE_ADJ = [
    "quiet", "grumpy", "sleepy", "tiny", "lazy", "happy", "rusty", "silent", "cosmic", "pixel",
    "retro", "salty", "fuzzy", "wild", "urban", "nordic", "lost", "brave", "midnight", "analog",
    "digital", "clever", "curious", "hungry", "electric", "vintage", "stoic", "feral", "mellow",
    "dizzy", "cloudy", "rainy", "sunny", "frosty", "nerdy", "geeky", "chaotic", "kleiner",
    "wilder", "muede", "grauer", "gruener",
]
HANDLE_NOUN = [
    "fox", "otter", "penguin", "panda", "badger", "owl", "cat", "moose", "hedgehog", "raven",
    "turtle", "wombat", "koala", "llama", "ferret", "walrus", "coder", "hacker", "gardener",
    "cyclist", "baker", "nomad", "pilot", "wizard", "ninja", "goblin", "robot", "toaster",
    "teapot", "potato", "pretzel", "baer", "igel", "dachs", "elch", "fuchs", "kobold",
    "nordlicht", "seemann", "kaffeetasse", "byte", "kernel", "packet", "sysadmin", "dev",
]
HOBBY_HANDLES = [
    "kitesurfer_kiel", "rustacean_de", "coffee_and_code", "linuxnerd", "homelabber",
    "bytewitch", "mosskid", "nerdfighter", "nightowl_dev", "sysadminsara", "selfhostedhero",
    "datahoarder", "synthwave_kid", "bergfreund", "teetrinker", "fahrradkette", "spreewaldgurke",
    "kaesekuchen", "elbsegler", "isarflimmern", "ruhrpottkind", "alpenglow", "fjordwalker",
    "tea_and_tabs", "tabsnotspaces", "vimgolfer", "emacs_enjoyer", "catdad_codes",
    "plantmom_tech", "runningdev", "bikepacker", "boulder_nerd", "mtb_trails", "sourdough_dev",
]
