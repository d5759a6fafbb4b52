"""Plausible customers for the orders the operator's CLI, the simulator and the sandbox place:
names, streets, postcodes and cities of the shop's country, in its own script (Polish, Czech,
Greek, Bulgarian ...), so documents and integrations meet real-looking data.

Deterministic: the same ``random.Random`` state gives the same customer. The addresses are
made up from real city names and postcodes; e-mail addresses are under ``example.com`` (RFC
2606), so nothing generated can reach a real person.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from sellers_center.orders.order import Address, Customer


@dataclass(frozen=True, slots=True)
class Locality:
    phone_prefix: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    """Pairs of first and last names alternate male and female at the same positions, so that
    a first name goes with a last name of the same parity (Polish, Czech, Greek and Baltic
    surnames have male and female forms)."""
    streets: tuple[str, ...]
    places: tuple[tuple[str, str], ...]
    """(postcode, city) pairs."""


def _locality(prefix: str, first: str, last: str, streets: str, places: str) -> Locality:
    """One country's data, written compactly: names and streets separated by ``|``, places as
    ``postcode=city`` separated by ``|``."""
    pairs = tuple(tuple(place.split("=", 1)) for place in places.split("|"))
    return Locality(
        prefix,
        tuple(first.split("|")),
        tuple(last.split("|")),
        tuple(streets.split("|")),
        pairs,  # type: ignore[arg-type]
    )


# The marketplace's selling countries (the demo catalogue's).
LOCALITIES = {
    "AT": _locality(
        "+43",
        "Lukas|Anna|Florian|Lena",
        "Gruber|Huber|Wagner|Steiner",
        "Mariahilfer Straße|Herrengasse|Landstraße",
        "1060=Wien|8010=Graz|4020=Linz",
    ),
    "BE": _locality(
        "+32",
        "Lucas|Emma|Louis|Olivia",
        "Peeters|Janssens|Maes|Dubois",
        "Rue Neuve|Meir|Veldstraat",
        "1000=Bruxelles|2000=Antwerpen|9000=Gent",
    ),
    "BG": _locality(
        "+359",
        "Георги|Мария|Иван|Елена",
        "Иванов|Петрова|Димитров|Георгиева",
        "бул. Витоша|ул. Граф Игнатиев|бул. Мария Луиза",
        "1000=София|4000=Пловдив|9000=Варна",
    ),
    "CY": _locality(
        "+357",
        "Andreas|Maria|Georgios|Eleni",
        "Georgiou|Christodoulou|Ioannou|Kyriakou",
        "Ledra Street|Makariou Avenue|Anexartisias Street",
        "1011=Nicosia|3036=Limassol|6023=Larnaca",
    ),
    "CZ": _locality(
        "+420",
        "Jiří|Jana|Tomáš|Petra",
        "Novák|Dvořáková|Černý|Procházková",
        "Václavské náměstí|Národní|Masarykova",
        "110 00=Praha|602 00=Brno|301 00=Plzeň",
    ),
    "DE": _locality(
        "+49",
        "Jonas|Sophie|Leon|Marie",
        "Müller|Schmidt|Schneider|Fischer",
        "Hauptstraße|Schillerstraße|Bahnhofstraße",
        "10115=Berlin|80331=München|50667=Köln",
    ),
    "DK": _locality(
        "+45",
        "Mikkel|Freja|Magnus|Ida",
        "Jensen|Nielsen|Hansen|Sørensen",
        "Strøget|Nørregade|Vesterbrogade",
        "1160=København|8000=Aarhus|5000=Odense",
    ),
    "EE": _locality(
        "+372",
        "Rasmus|Maria|Martin|Sofia",
        "Tamm|Saar|Sepp|Mägi",
        "Narva mnt|Pärnu mnt|Rüütli",
        "10117=Tallinn|51004=Tartu|80010=Pärnu",
    ),
    "ES": _locality(
        "+34",
        "Hugo|Lucía|Martín|Sofía",
        "García|Fernández|González|Martínez",
        "Calle Mayor|Gran Vía|Calle de Alcalá",
        "28013=Madrid|08002=Barcelona|41001=Sevilla",
    ),
    "FI": _locality(
        "+358",
        "Eino|Aino|Onni|Helmi",
        "Korhonen|Virtanen|Mäkinen|Nieminen",
        "Mannerheimintie|Hämeenkatu|Aleksanterinkatu",
        "00100=Helsinki|33100=Tampere|20100=Turku",
    ),
    "FR": _locality(
        "+33",
        "Gabriel|Louise|Raphaël|Chloé",
        "Martin|Bernard|Lefèvre|Moreau",
        "Rue de Rivoli|Avenue Jean Jaurès|Rue de la République",
        "75001=Paris|69002=Lyon|13001=Marseille",
    ),
    "GR": _locality(
        "+30",
        "Γιώργος|Μαρία|Αλέξανδρος|Ελένη",
        "Παπαδόπουλος|Παπαδοπούλου|Οικονόμου|Γεωργίου",
        "Οδός Ερμού|Λεωφόρος Αλεξάνδρας|Οδός Τσιμισκή",
        "105 63=Αθήνα|546 24=Θεσσαλονίκη|262 21=Πάτρα",
    ),
    "HR": _locality(
        "+385",
        "Luka|Mia|Ivan|Ana",
        "Horvat|Kovačević|Babić|Marić",
        "Ilica|Vukovarska|Riva",
        "10000=Zagreb|21000=Split|51000=Rijeka",
    ),
    "HU": _locality(
        "+36",
        "Bence|Hanna|Máté|Zsófia",
        "Nagy|Kovács|Tóth|Szabó",
        "Váci utca|Andrássy út|Piac utca",
        "1052=Budapest|4024=Debrecen|6720=Szeged",
    ),
    "IE": _locality(
        "+353",
        "Jack|Emily|Conor|Aoife",
        "Murphy|Kelly|O'Sullivan|Walsh",
        "Grafton Street|Shop Street|Patrick Street",
        "D02 X285=Dublin|H91 E2K3=Galway|T12 T997=Cork",
    ),
    "IT": _locality(
        "+39",
        "Leonardo|Giulia|Francesco|Sofia",
        "Rossi|Russo|Ferrari|Esposito",
        "Via del Corso|Corso Buenos Aires|Via Toledo",
        "00186=Roma|20124=Milano|80134=Napoli",
    ),
    "LT": _locality(
        "+370",
        "Lukas|Emilija|Matas|Austėja",
        "Kazlauskas|Jankauskienė|Petrauskas|Stankevičiūtė",
        "Gedimino pr.|Laisvės al.|Pilies g.",
        "LT-01103=Vilnius|LT-44280=Kaunas|LT-92123=Klaipėda",
    ),
    "LU": _locality(
        "+352",
        "Gabriel|Emma|Luca|Mia",
        "Schmit|Muller|Weber|Hoffmann",
        "Grand-Rue|Avenue de la Gare|Rue de l'Alzette",
        "L-1660=Luxembourg|L-4050=Esch-sur-Alzette|L-9010=Ettelbruck",
    ),
    "LV": _locality(
        "+371",
        "Roberts|Sofija|Markuss|Alise",
        "Bērziņš|Kalniņa|Ozols|Liepiņa",
        "Brīvības iela|Elizabetes iela|Lielā iela",
        "LV-1010=Rīga|LV-3001=Jelgava|LV-5401=Daugavpils",
    ),
    "MT": _locality(
        "+356",
        "Luke|Emma|Matthew|Julia",
        "Borg|Camilleri|Vella|Farrugia",
        "Republic Street|Triq il-Kbira|Merchants Street",
        "VLT 1117=Valletta|SLM 1549=Sliema|BKR 4011=Birkirkara",
    ),
    "NL": _locality(
        "+31",
        "Daan|Emma|Sem|Julia",
        "de Jong|Jansen|de Vries|van den Berg",
        "Kalverstraat|Oudegracht|Coolsingel",
        "1012 NX=Amsterdam|3511 AL=Utrecht|3012 CL=Rotterdam",
    ),
    "PL": _locality(
        "+48",
        "Łukasz|Zofia|Jakub|Małgorzata",
        "Nowak|Wiśniewska|Wójcik|Kamińska",
        "ul. Świętokrzyska|ul. Piotrkowska|ul. Długa",
        "00-116=Warszawa|90-102=Łódź|80-827=Gdańsk",
    ),
    "PT": _locality(
        "+351",
        "João|Maria|Tomás|Beatriz",
        "Silva|Santos|Ferreira|Pereira",
        "Rua Augusta|Avenida da Liberdade|Rua de Santa Catarina",
        "1100-053=Lisboa|4000-443=Porto|3000-150=Coimbra",
    ),
    "RO": _locality(
        "+40",
        "Andrei|Ioana|Mihai|Elena",
        "Popescu|Ionescu|Popa|Dumitrescu",
        "Calea Victoriei|Strada Lipscani|Bulevardul Eroilor",
        "010063=București|400001=Cluj-Napoca|700259=Iași",
    ),
    "SE": _locality(
        "+46",
        "William|Alice|Oscar|Maja",
        "Andersson|Johansson|Karlsson|Nilsson",
        "Drottninggatan|Kungsgatan|Storgatan",
        "111 51=Stockholm|411 38=Göteborg|211 22=Malmö",
    ),
    "SI": _locality(
        "+386",
        "Luka|Eva|Jakob|Zala",
        "Novak|Horvat|Kovačič|Krajnc",
        "Slovenska cesta|Prešernova ulica|Glavni trg",
        "1000=Ljubljana|2000=Maribor|3000=Celje",
    ),
    "SK": _locality(
        "+421",
        "Jakub|Sofia|Samuel|Natália",
        "Horváth|Kováčová|Varga|Tóthová",
        "Obchodná ulica|Hlavná ulica|Námestie SNP",
        "811 06=Bratislava|040 01=Košice|010 01=Žilina",
    ),
}
# Any other country an imported catalogue sells in.
FALLBACK = _locality(
    "+00",
    "Alex|Sam|Robin|Kim",
    "Miller|Smith|Taylor|Brown",
    "Market Street|Station Road|High Street",
    "1000=Central City|2000=Riverside|3000=Hillview",
)


def plausible_customer(
    country_code: str,
    generator: random.Random,
    *,
    email: str | None = None,
    phone: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> Customer:
    """A customer living in ``country_code``, billed at the address goods are shipped to; the
    fields given are kept, the others made up."""
    locality = LOCALITIES.get(country_code, FALLBACK)
    first_index = generator.randrange(len(locality.first_names))
    last_index = generator.randrange(first_index % 2, len(locality.last_names), 2)
    first = first_name or locality.first_names[first_index]
    last = last_name or locality.last_names[last_index]
    zip_code, city = generator.choice(locality.places)
    address = Address(
        first_name=first,
        last_name=last,
        street=f"{generator.choice(locality.streets)} {generator.randint(1, 120)}",
        additional=None,
        zip_code=zip_code,
        city=city,
        country_code=country_code,
    )
    key = f"C{generator.getrandbits(40):010X}"
    number = f"{generator.randint(100, 999)} {generator.randint(0, 9_999_999):07d}"
    return Customer(
        key=key,
        email=email or _email(first, last, key),
        phone=phone or f"{locality.phone_prefix} {number}",
        shipping=address,
        billing=address,
    )


def _email(first: str, last: str, key: str) -> str:
    local = ".".join(part for part in (_ascii(first), _ascii(last)) if part)
    return f"{local or 'customer'}.{key.lower()}@example.com"


def _ascii(name: str) -> str:
    """Letters without their accents, lower case; nothing for a name in another script."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()
