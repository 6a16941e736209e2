"""A believable, entirely invented demo commune: Brenneville (tags BRN-…).

Deterministic (fixed seed) so screenshots, tests and benches see the same fleet.
Names, emails and phone numbers are fictitious (.example domain, 01 99 00 xx xx numbers,
which are reserved for fiction).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from inventory.accounts.scope import EVERYTHING
from inventory.assets import rules, tally
from inventory.assets import service as assets
from inventory.catalog import service as catalog
from inventory.core import audit, clock
from inventory.core.tables import Asset, Site
from inventory.faults import service as faults
from inventory.faults import symptoms, workflow
from inventory.maintenance import service as maintenance
from inventory.planning import service as planning
from inventory.sites import service as sites_service
from inventory.sites.rules import uai_check_letter

DEMO_ACTOR = "demo"

# code, name, lifespan, cost (cents), interactive display, network
CATEGORIES = [
    ("TNI", "Tableau numérique interactif (TNI)", 8, 250_000, True, False),
    ("VPI", "Vidéoprojecteur interactif (VPI)", 7, 180_000, True, False),
    ("ENI", "Écran numérique interactif (ENI)", 8, 420_000, True, False),
    ("VP", "Vidéoprojecteur", 6, 80_000, False, False),
    ("VISU", "Visualiseur", 7, 15_000, False, False),
    ("PC-PORT", "Ordinateur portable", 5, 75_000, False, False),
    ("TABLETTE", "Tablette", 4, 42_000, False, False),
    ("PC-FIXE", "Ordinateur fixe", 6, 70_000, False, False),
    ("IMPR", "Imprimante", 6, 35_000, False, False),
    ("SWITCH", "Commutateur (switch)", 8, 90_000, False, True),
    ("WIFI", "Borne Wi-Fi", 6, 45_000, False, True),
    ("PAREFEU", "Pare-feu / routeur", 6, 150_000, False, True),
    ("NAS", "Serveur de stockage (NAS)", 6, 120_000, False, True),
]

# How much lessons suffer without one (0..3), and the yearly price change in hundredths of a
# percent (screens get cheaper, the rest a little dearer).
CRITICALITY = {"TNI": 3, "VPI": 3, "ENI": 3, "VP": 2, "VISU": 1, "PC-PORT": 2, "TABLETTE": 2,
               "PC-FIXE": 1, "IMPR": 1, "SWITCH": 3, "WIFI": 3, "PAREFEU": 3, "NAS": 2}
PRICE_CHANGE_BP = {"ENI": -200, "TNI": -100, "PC-PORT": 200, "TABLETTE": 200}
DEFAULT_PRICE_CHANGE_BP = 150

MODELS = {
    "TNI": [("Promethean", "ActivBoard 10 Touch 88"), ("SMART", "Board 680")],
    "VPI": [("Epson", "EB-695Wi"), ("Epson", "EB-725Wi"), ("Epson", "EB-1485Fi")],
    "ENI": [("Promethean", "ActivPanel Titanium 75"), ("Samsung", "Flip Pro WM75B"),
            ("Speechi", "SuperTouch 75")],
    "VP": [("Epson", "EB-W51"), ("BenQ", "MW560")],
    "VISU": [("IPEVO", "V4K"), ("Lumens", "DC125")],
    "PC-PORT": [("Dell", "Latitude 3540"), ("Lenovo", "ThinkPad E14 Gen 5"), ("HP", "ProBook 440 G9")],
    "TABLETTE": [("Apple", "iPad 10,2 (9e génération)"), ("Samsung", "Galaxy Tab A8")],
    "PC-FIXE": [("Dell", "OptiPlex 7010"), ("Lenovo", "ThinkCentre M70q")],
    "IMPR": [("Brother", "HL-L2350DW"), ("HP", "LaserJet M209dw"), ("Kyocera", "ECOSYS M2540dn")],
    "SWITCH": [("HPE Aruba", "2530-24G"), ("Cisco", "CBS250-24T-4G")],
    "WIFI": [("HPE Aruba", "AP-505"), ("Ubiquiti", "UniFi U6 Lite")],
    "PAREFEU": [("Stormshield", "SN210"), ("Fortinet", "FortiGate 40F")],
    "NAS": [("Synology", "DS220+")],
}

SUPPLIERS = ["Numérique Services Ouest", "EduTech Distribution", "Bureau & Réseaux SARL",
             "UGAP"]

# kind, name, code, classrooms
SCHOOLS = [
    ("groupe_scolaire", "Groupe scolaire Jules-Ferry", "GS-FERRY", 14),
    ("groupe_scolaire", "Groupe scolaire Jean-Jaurès", "GS-JAURES", 12),
    ("groupe_scolaire", "Groupe scolaire Louis-Pasteur", "GS-PASTEUR", 15),
    ("elementaire", "École élémentaire Les Tilleuls", "EE-TILLEULS", 10),
    ("elementaire", "École élémentaire Marie-Curie", "EE-CURIE", 8),
    ("elementaire", "École élémentaire du Centre", "EE-CENTRE", 9),
    ("maternelle", "École maternelle Les Coquelicots", "EM-COQUELICOTS", 5),
    ("maternelle", "École maternelle La Fontaine", "EM-FONTAINE", 4),
    ("maternelle", "École maternelle Le Petit Prince", "EM-PETITPRINCE", 6),
    ("groupe_scolaire", "Groupe scolaire des Acacias", "GS-ACACIAS", 11),
]
OTHER_SITES = [
    ("mairie", "Hôtel de ville", "MAIRIE"),
    ("mediatheque", "Médiathèque Simone-Veil", "MEDIATHEQUE"),
    ("gymnase", "Gymnase municipal", "GYMNASE"),
]
STREETS = ["rue des Écoles", "avenue de la République", "rue Victor-Hugo", "place du Marché",
           "rue des Lilas", "chemin des Vignes", "boulevard Gambetta", "rue du Stade"]
FIRST_NAMES = ["Camille", "Dominique", "Claude", "Sacha", "Alix", "Morgan", "Lou", "Charlie",
               "Andréa", "Eden"]
# Schools whose classrooms are left partly without an interactive display, so the
# coverage figure is believable ("7 of 10 schools equipped").
# Preventive care the demo commune tracks: (task, categories, every N days, started N days
# ago). Tasks count from the day they start: the firmware round falls due this week, the
# others later; nothing is late since the devices were bought.
MAINTENANCE = [
    ("Nettoyer le filtre du vidéoprojecteur", ("VP", "VPI"), 182, 90),
    ("Calibrer le tableau ou l'écran interactif", ("TNI", "ENI"), 365, 200),
    ("Mettre à jour le firmware", ("SWITCH", "WIFI", "PAREFEU"), 365, 362),
]
FIRST_SCHOOL = SCHOOLS[0][2]  # the demo director's school
PARTLY_EQUIPPED = {"GS-PASTEUR", "EE-CENTRE", "EM-FONTAINE"}


@dataclass
class DemoSummary:
    sites: int
    rooms: int
    assets: int


def _demo_position(n: int) -> dict[str, float]:
    """An invented town's sites on a grid a few hundred metres apart (no randomness: the
    demo's other random draws stay as they were)."""
    return {"latitude": round(47.2100 + (n % 5) * 0.0045, 6),
            "longitude": round(2.5100 + (n // 5) * 0.0065, 6)}


def _uai(index: int) -> str:
    # Département 099 does not exist: the codes are valid in form but clearly invented.
    number = f"0990{index:03d}"
    return number + uai_check_letter(number)


async def build_demo(target_assets: int = 1500, *, prefix: str = "BRN", digits: int = 6,
                     seed: int = 42, region_from: int | None = None,
                     region_schools: tuple[int, int] | None = None) -> DemoSummary:
    """The demo commune; beyond `region_from` devices (REGION_FROM) a région around it with
    `region_schools` (lycées, collèges; REGION_LYCEES, REGION_COLLEGES). Tests make a small
    région by lowering both."""
    rng = random.Random(seed)
    today = clock.today()
    # Beyond REGION_FROM devices the demo is a région (see _build_region): the commune keeps
    # a tenth of them, the région's lycées and collèges the rest.
    region_assets = 0
    if target_assets > (REGION_FROM if region_from is None else region_from):
        region_assets = target_assets - target_assets // 10
        target_assets -= region_assets

    async with audit.atomic():
        # Sites, rooms, categories and models through their services, as a person would
        # create them (same checks, same audit records).
        categories = {}
        for code, name, life, cost, interactive, network in CATEGORIES:
            row = await catalog.create_category({
                "code": code, "name": name, "lifespan_years": life,
                "replacement_cost_cents": cost, "is_interactive_display": interactive,
                "is_network": network, "criticality": CRITICALITY.get(code, 1),
                "price_change_bp": PRICE_CHANGE_BP.get(code, DEFAULT_PRICE_CHANGE_BP),
            }, DEMO_ACTOR)
            categories[code] = {"id": row["id"], "lifespan": life, "cost": cost, "name": name}
        models: dict[str, list[int]] = {}
        for code, entries in MODELS.items():
            models[code] = [(await catalog.create_model(
                {"category": code, "manufacturer": m, "name": n}, DEMO_ACTOR))["id"]
                for m, n in entries]

        # A school has a UAI, other sites none; each has a position (floats).
        site_rows: list[dict[str, str | float | None]] = []
        for i, (kind, name, code, _n) in enumerate(SCHOOLS, start=1):
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            site_rows.append(dict(
                code=code, name=name, kind=kind, uai=_uai(i),
                address=f"{rng.randint(1, 80)} {rng.choice(STREETS)}", postal_code="99100",
                city="Brenneville", director_name=f"{first} Exemple",
                director_email=f"direction.{code.lower()}@brenneville.example",
                director_phone=f"01 99 00 {i // 100:02d} {i % 100:02d}",
                organisation="Commune de Brenneville", **_demo_position(i),
            ))
        for j, (kind, name, code) in enumerate(OTHER_SITES, start=len(SCHOOLS) + 1):
            site_rows.append(dict(
                code=code, name=name, kind=kind, uai=None,
                address=f"{rng.randint(1, 80)} {rng.choice(STREETS)}", postal_code="99100",
                city="Brenneville", organisation="Commune de Brenneville", **_demo_position(j),
            ))
        sites = {row["code"]: (await sites_service.create_site(row, DEMO_ACTOR))["id"]
                 for row in site_rows}

        # Rooms: (site code, name, kind)
        room_specs: list[tuple[str, str, str]] = []
        for kind, _name, code, classrooms in SCHOOLS:
            prefix_word = "Classe" if kind != "maternelle" else "Section"
            for n in range(1, classrooms + 1):
                room_specs.append((code, f"{prefix_word} {n}", "classroom"))
            room_specs += [(code, "Bureau de direction", "office"),
                           (code, "Local technique", "network_cabinet"),
                           (code, "BCD", "hall")]
        for _kind, _name, code in OTHER_SITES:
            room_specs += [(code, "Accueil", "office"), (code, "Bureaux", "office"),
                           (code, "Baie de brassage", "network_cabinet"),
                           (code, "Salle polyvalente", "hall")]
        room_ids = []
        for site_code, specs in itertools.groupby(room_specs, key=lambda spec: spec[0]):
            room_ids += [room["id"] for room in await sites_service.create_rooms(
                site_code, [{"name": n, "kind": k} for _s, n, k in specs], DEMO_ACTOR,
                EVERYTHING)]
        rooms = [(spec, rid) for spec, rid in zip(room_specs, room_ids, strict=True)]

        # What each room holds: (category, site id, room id)
        slots: list[tuple[str, int, int]] = []
        for (site_code, _name, kind), room_id in rooms:
            site_id = sites[site_code]
            if kind == "classroom":
                equipped = site_code not in PARTLY_EQUIPPED or rng.random() < 0.6
                if equipped:
                    slots.append((rng.choice(["TNI", "VPI", "VPI", "ENI", "ENI"]), site_id, room_id))
                elif rng.random() < 0.5:
                    slots.append(("VP", site_id, room_id))
                if rng.random() < 0.5:
                    slots.append(("VISU", site_id, room_id))
                slots.append(("PC-FIXE", site_id, room_id))
            elif kind == "office":
                slots += [("PC-FIXE", site_id, room_id), ("IMPR", site_id, room_id),
                          ("PC-PORT", site_id, room_id)]
            elif kind == "network_cabinet":
                slots += [("SWITCH", site_id, room_id)] * rng.randint(1, 3)
                slots += [("PAREFEU", site_id, room_id), ("NAS", site_id, room_id)]
            elif kind == "hall":
                slots += [("WIFI", site_id, room_id)] * 2
                n_mobile = 12 if site_code.startswith(("GS", "EE")) else 4
                slots += [("PC-PORT", site_id, room_id)] * n_mobile
                slots += [("TABLETTE", site_id, room_id)] * n_mobile
        # Councillors' tablets, held by people, at the town hall.
        mairie_rooms = [rid for (s, _n, k), rid in rooms if s == "MAIRIE" and k == "office"]
        holders = [("TABLETTE", sites["MAIRIE"], mairie_rooms[0])] * 29
        slots += holders
        fill_rooms = [(sites[s], rid) for (s, _n, k), rid in rooms if k in ("classroom", "hall")]
        while len(slots) < target_assets:
            site_id, room_id = rng.choice(fill_rooms)
            slots.append((rng.choice(["PC-PORT", "TABLETTE", "TABLETTE", "VISU", "PC-FIXE"]),
                          site_id, room_id))
        if len(slots) > target_assets:
            # A small demo keeps a fair share of every site rather than the first ones only.
            keep = sorted(rng.sample(range(len(slots)), target_assets))
            slots = [slots[i] for i in keep]

        # The devices, written in batches through the one creation path (tags given, so the
        # sequence moves past them): memory stays bounded however large the fleet.
        commune_rows = _commune_assets(slots, categories, models, holders, sites["MAIRIE"],
                                       rng, today, prefix, digits)
        summary = DemoSummary(sites=len(site_rows), rooms=len(room_ids), assets=0)
        broken: list[tuple[str, str, str, str]] = []  # (tag, status, site code, category)
        site_codes = {site_id: code for code, site_id in sites.items()}
        code_of = {info["id"]: code for code, info in categories.items()}
        written = await _write_batches(commune_rows, prefix, digits, broken, site_codes,
                                       code_of)
        if region_assets:
            region = await _build_region(region_assets, written, categories, models, today,
                                         prefix, digits, random.Random(seed + 2),
                                         region_schools or (REGION_LYCEES, REGION_COLLEGES))
            site_codes.update(region.site_codes)
            written += await _write_batches(region.rows, prefix, digits, broken, site_codes,
                                            code_of)
            summary.sites += region.sites
            summary.rooms += region.rooms
        summary.assets = written
        await assets.advance_sequence(prefix, written)
        await tally.fold()  # the fleet's counts in one piece, not a change per device
        # Faulty and in-repair devices are so because a fault says so: open those faults,
        # with their history, through the faults service.
        await faults.open_for_status(_demo_faults(broken, clock.now(), random.Random(seed + 1)),
                                     DEMO_ACTOR)
        for name, codes, days, started in MAINTENANCE:
            for code in codes:
                await maintenance.create_task(
                    {"name": name, "category": code, "interval_days": days,
                     "starts_on": (today - dt.timedelta(days=started)).isoformat()},
                    DEMO_ACTOR)
        # The draft plan through the planning service's create path (its checks, its audit
        # record, its summary), from the form fields its settings make.
        plan = _demo_plan(today.year + 1)
        await planning.create_plan(planning.form_values(plan, await planning.categories()),
                                   DEMO_ACTOR, EVERYTHING)
    from inventory.setup.service import store_demo_settings

    await store_demo_settings(prefix)  # the demo commune's name and tag prefix
    return summary


BATCH = 5_000  # devices per create_many call: bounded memory, few round trips
# Above this many devices, `inventory demo --assets N` builds a région (the commune plus
# ~500 lycées and collèges lending laptops to their students); up to it, the commune alone,
# the same fleet as ever for the same N (benchmarks compare runs over time).
REGION_FROM = 100_000
REGION_LYCEES = 160
REGION_COLLEGES = 340
REGION_TOWNS = ["Val-d'Exemple", "Saint-Fictif", "Brenneville", "Montimaginé", "Lacfaux",
                "Bourg-Inventé", "Roche-Fictive", "Pont-d'Exemple", "Villeneuve-Démo",
                "Sainte-Maquette", "Portfaux", "Champ-Modèle"]
REGION_PATRONS = ["Victor-Hugo", "Marie-Curie", "Jean-Moulin", "Simone-Veil", "Jules-Verne",
                  "George-Sand", "Louise-Michel", "Condorcet", "Olympe-de-Gouges",
                  "Albert-Camus", "Colette", "Paul-Éluard", "Rosa-Parks", "Pierre-Mendès-France"]


def _asset_row(number: int, cat: str, site_id: int, room_id: int, info: dict,
               model_ids: list[int], rng: random.Random, today: dt.date, prefix: str,
               digits: int, holder: str = "", first_year: int = 2012) -> dict:
    """One demo device, its values drawn from `rng` (always in the same order: a given seed
    gives the same fleet)."""
    tag = rules.format_tag(prefix, number, digits)
    year = rng.randint(first_year, min(2026, today.year))
    purchase = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    if purchase > today:
        purchase = today - dt.timedelta(days=rng.randint(1, 200))
    warranty = purchase + dt.timedelta(days=365 * rng.choice([2, 3, 3, 5]))
    commissioning = purchase + dt.timedelta(days=rng.randint(5, 60))
    eol = rules.end_of_life_year(lifespan_years=info["lifespan"], purchase_date=purchase,
                                 commissioning_date=commissioning)
    status = "in_service"
    roll = rng.random()
    if eol is not None and eol < today.year - 2 and roll < 0.25:
        status = "retired"
    elif roll < 0.02:
        status = "faulty"
    elif roll < 0.03:
        status = "in_repair"
    elif roll < 0.05:
        status = "in_stock"
    model_id = rng.choice(model_ids)
    price = int(info["cost"] * rng.uniform(0.8, 1.15)) // 100 * 100
    network = {}
    if cat in ("SWITCH", "WIFI", "PAREFEU", "NAS"):
        octet = number % 250 + 2
        network = {
            "hostname": f"{cat.lower()}-{number:05d}.brenneville.lan",
            "ip_address": f"10.{site_id % 250}.0.{octet}",
            "mac_address": ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6)),
            "firmware": f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        }
    serial = f"{cat[:2]}{rng.randint(10**7, 10**8 - 1)}{number}"
    supplier = rng.choice(SUPPLIERS)
    return dict(
        tag=tag, serial=serial, holder=holder, notes="", **network,
        order_ref=f"MAPA-{year}-{rng.randint(1, 40):03d}",
        category=info["id"], model=model_id, site=site_id, room=room_id, status=status,
        purchase_date=purchase, purchase_price_cents=price, supplier=supplier,
        warranty_end=warranty, commissioning_date=commissioning,
    )


def _commune_assets(slots, categories, models, holders, mairie: int, rng, today, prefix,
                    digits) -> Iterator[dict]:
    councillor = 0
    for number, (cat, site_id, room_id) in enumerate(slots, start=1):
        holder = ""
        if (cat, site_id, room_id) in holders[:1] and site_id == mairie:
            councillor += 1
            holder = f"Élu·e n°{councillor} (exemple)"
        yield _asset_row(number, cat, site_id, room_id, categories[cat], models[cat], rng,
                         today, prefix, digits, holder)


async def _write_batches(rows: Iterable[dict], prefix: str, digits: int,
                         broken: list, site_codes: dict, code_of: dict) -> int:
    """create_many by BATCH rows; notes the faulty and in-repair devices (their faults are
    opened afterwards). Returns how many were written."""
    written = 0
    batch: list[dict] = []

    async def flush() -> None:
        await assets.create_many(batch, DEMO_ACTOR, prefix=prefix, digits=digits)
        broken.extend((a["tag"], a["status"], site_codes[a["site"]], code_of[a["category"]])
                      for a in batch if workflow.history_for_asset_status(a["status"]))
        batch.clear()

    for row in rows:
        batch.append(row)
        written += 1
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()
    return written


@dataclass
class Region:
    sites: int
    rooms: int
    site_codes: dict[int, str]
    rows: Iterator[dict]


async def _build_region(total: int, first_number: int, categories: dict, models: dict,
                        today: dt.date, prefix: str, digits: int,
                        rng: random.Random, schools: tuple[int, int]) -> Region:
    """~500 lycées (the région's) and collèges (the département's, in the same regional
    purchasing group) through the sites service, each with a few classrooms equipped, a
    network cabinet, a CDI, and a lending room whose laptops are held by students: most of
    `total`. Returns the sites and a lazy stream of the devices (numbered after
    `first_number`), so a million rows never sit in memory at once."""
    establishments = []  # (site id, code, kind, classrooms)
    rooms = 0
    kinds = [("lycee", "LY", "Lycée", 8, "Région Exemple")] * schools[0] + \
        [("college", "CO", "Collège", 6, "Département de l'Exemple")] * schools[1]
    for n, (kind, short, word, classrooms, organisation) in enumerate(kinds, start=1):
        town = REGION_TOWNS[n % len(REGION_TOWNS)]
        patron = REGION_PATRONS[n % len(REGION_PATRONS)]
        code = f"{short}-{n:04d}"
        site = await sites_service.create_site(dict(
            code=code, name=f"{word} {patron} ({town}, n°{n})", kind=kind, uai=_uai(100 + n),
            address=f"{rng.randint(1, 80)} {rng.choice(STREETS)}", postal_code="99200",
            city=town, organisation=organisation,
            director_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Exemple",
            director_email=f"direction.{code.lower()}@region.example",
        ), DEMO_ACTOR)
        specs = [(f"Salle {100 + k}", "classroom") for k in range(1, classrooms + 1)]
        specs += [("CDI", "hall"), ("Vie scolaire", "office"),
                  ("Local technique", "network_cabinet"), ("Prêt d'ordinateurs", "storage")]
        created = await sites_service.create_rooms(
            code, [{"name": name, "kind": room_kind} for name, room_kind in specs], DEMO_ACTOR,
            EVERYTHING)
        room_ids = {room["name"]: room["id"] for room in created}
        rooms += len(specs)
        establishments.append((site["id"], code, kind, room_ids))

    def fixed(site_id: int, room_ids: dict) -> list[tuple[str, int, int, str]]:
        slots = []
        for name, room_id in room_ids.items():
            if name.startswith("Salle"):
                slots += [(rng.choice(["ENI", "ENI", "VPI"]), site_id, room_id, ""),
                          ("PC-FIXE", site_id, room_id, "")]
        slots += [("PC-FIXE", site_id, room_ids["Vie scolaire"], ""),
                  ("IMPR", site_id, room_ids["Vie scolaire"], ""),
                  ("SWITCH", site_id, room_ids["Local technique"], ""),
                  ("SWITCH", site_id, room_ids["Local technique"], ""),
                  ("PAREFEU", site_id, room_ids["Local technique"], ""),
                  ("WIFI", site_id, room_ids["CDI"], ""), ("WIFI", site_id, room_ids["CDI"], "")]
        slots += [("PC-FIXE", site_id, room_ids["CDI"], "")] * 4
        return slots

    weights = [3 if kind == "lycee" else 2 for _id, _code, kind, _r in establishments]
    per_site_fixed = [len(fixed(0, r)) for _id, _code, _kind, r in establishments]
    laptops = max(0, total - sum(per_site_fixed))
    shares = [laptops * w // sum(weights) for w in weights]
    shares[0] += laptops - sum(shares)

    def rows() -> Iterator[dict]:
        number = first_number
        left = total
        for (site_id, code, _kind, room_ids), share in zip(establishments, shares, strict=True):
            slots = fixed(site_id, room_ids)
            lending = room_ids["Prêt d'ordinateurs"]
            for k in range(1, share + 1):
                slots.append(("PC-PORT", site_id, lending, f"Élève {code}-{k:05d} (exemple)"))
            for cat, slot_site, room_id, holder in slots:
                if left <= 0:
                    return
                number += 1
                left -= 1
                # Students' laptops are bought for each school year: from 2019 on.
                yield _asset_row(number, cat, slot_site, room_id, categories[cat],
                                 models[cat], rng, today, prefix, digits, holder,
                                 first_year=2019 if holder else 2012)

    return Region(sites=len(establishments), rooms=rooms,
                  site_codes={site_id: code for site_id, code, _k, _r in establishments},
                  rows=rows())


DEMO_TECHNICIAN = "tech@brenneville.example"
FAULT_NOTES = (
    "Constaté ce matin en classe.",
    "Signalé par l'enseignante, problème intermittent.",
    "Ne fonctionne plus depuis la rentrée des vacances.",
    "Déjà arrivé le mois dernier.",
)


def _demo_faults(devices: list[tuple[str, str, str, str]], now: dt.datetime,
                 rng: random.Random) -> list[faults.StatusFault]:
    """The open fault of each faulty or in-repair demo device (tag, status, site code,
    category code): reported by the site's director some days ago; a faulty one is sometimes
    acknowledged already, one in repair was acknowledged then taken by the technician."""
    wanted = []
    for tag, status, site_code, category in devices:
        steps = workflow.history_for_asset_status(status)
        if not steps:
            continue
        if status == "faulty" and rng.random() < 0.4:
            steps = (workflow.NEW, workflow.ACKNOWLEDGED)
        reported = now - dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
        times = [reported]
        for _step in steps[1:]:
            times.append(times[-1] + dt.timedelta(hours=rng.randint(1, 30)))
        times = [min(t, now) for t in times]
        choices = [k for k in symptoms.defaults_for(category) if k != symptoms.OTHER]
        wanted.append(faults.StatusFault(
            tag=tag, description=rng.choice(FAULT_NOTES), steps=steps, times=tuple(times),
            reported_by=f"direction.{site_code.lower()}@brenneville.example",
            handled_by=DEMO_TECHNICIAN, symptom=rng.choice(choices),
            teaching_blocked=rng.random() < 0.3))
    return wanted


def _demo_plan(first_year: int) -> dict[str, Any]:
    """A draft five-year plan with a coverage target, so the planner's page is not empty."""
    years = range(first_year, first_year + 5)
    return dict(
        name=f"Plan numérique {years[0]}–{years[-1]} (exemple)", first_year=years[0], years=5,
        settings={
            "budgets": "one",
            "caps": {"all": {str(y): 150_000_00 for y in years}},
            "weights": {"age": 10, "faults": 5, "warranty": 3, "criticality": 4, "coverage": 20},
            "lifespans": {},
            "targets": [{"site_kinds": ["elementaire", "groupe_scolaire"], "category": "ENI",
                         "by_year": years[2]}],
        },
    )


async def database_is_empty() -> bool:
    return not await Site.exists().run() and not await Asset.exists().run()
