"""Files as communes really have them, built for the tests (invented names, .example domains).

- `libreoffice_workbook`: a French office's sheet of 12 schools' devices written by LibreOffice
  (`soffice --headless --convert-to xlsx` from a flat ODS generated here): two title rows
  merged across the table, a blank row, the table starting in column B, a blank column with no
  name, date cells, euro cells, prices with tax computed by a formula (498.996 €), a warranty
  shown with an "ans" number format, "Marque / Modèle" in one column, and a totals row.
- `glpi_export`: GLPI's computer export (group-prefixed headers, "Site > Bâtiment > Salle"
  locations, GLPI states, warranty durations in years).
- `snipe_it_export`: Snipe-IT's asset report (month-first dates "1/23/23", status labels with
  their "(deployable)" suffix, "Purchased", "Cost", "EOL" as a date).

`SCHOOLS` are the sites the files name: tests create them first (`create_schools`).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

# (site code, name as the files write it, kind)
SCHOOLS = [
    ("MAT-PREVERT", "École maternelle Jacques Prévert", "maternelle"),
    ("MAT-DOLTO", "École maternelle Françoise Dolto", "maternelle"),
    ("MAT-CURIE", "École maternelle Marie Curie", "maternelle"),
    ("MAT-COLETTE", "École maternelle Colette", "maternelle"),
    ("ELE-FERRY", "École élémentaire Jules Ferry", "elementaire"),
    ("ELE-JAURES", "École élémentaire Jean Jaurès", "elementaire"),
    ("ELE-PASTEUR", "École élémentaire Louis Pasteur", "elementaire"),
    ("ELE-HUGO", "École élémentaire Victor Hugo", "elementaire"),
    ("ELE-MOULIN", "École élémentaire Jean Moulin", "elementaire"),
    ("ELE-SAND", "École élémentaire George Sand", "elementaire"),
    ("GS-CAMUS", "Groupe scolaire Albert Camus", "groupe_scolaire"),
    ("GS-ZOLA", "Groupe scolaire Émile Zola", "groupe_scolaire"),
]

# What each school has (type, maker / model, price before tax), one list per school.
_KINDS = [
    ("Vidéoprojecteur", "Epson / EB-W51", 415.83),
    ("PC portable", "Dell / Latitude 3540", 690.0),
    ("Tablette", "Samsung / Galaxy Tab A9", 189.9),
    ("Visualiseur", "IPEVO / V4K", 99.0),
]
STATES = ["En service", "En service", "Neuf", "HS"]
TITLE = "Inventaire du matériel informatique des écoles"


async def create_schools(actor: str = "test") -> None:
    """The sites the files name, through the sites service (creating missing sites from a
    file is another part of the import)."""
    from inventory.sites import service as sites

    for code, name, kind in SCHOOLS:
        await sites.create_site({"code": code, "name": name, "kind": kind}, actor)


def workbook_rows() -> list[dict]:
    """The devices of the LibreOffice workbook, as the tests expect to find them."""
    devices = []
    for n, (_code, school, _kind) in enumerate(SCHOOLS):
        for k, (kind, maker_model, price) in enumerate(_KINDS):
            devices.append({
                "school": school, "room": f"Classe {k + 1}", "kind": kind,
                "maker_model": maker_model, "serial": f"LO-{n + 1:02d}-{k + 1}",
                "purchase": dt.date(2021 + k % 3, 9, 1 + n), "price_ht": price,
                "warranty_years": 3 if k % 2 == 0 else 5, "state": STATES[k],
                "comment": "Prêté à la classe de CM2" if (n + k) % 5 == 0 else ""})
    return devices


def _cell(value=None, *, kind: str = "string", formula: str = "", style: str = "",
          span: int = 0) -> str:
    attrs = []
    if style:
        attrs.append(f'table:style-name="{style}"')
    if span:
        attrs.append(f'table:number-columns-spanned="{span}" table:number-rows-spanned="1"')
    if formula:
        attrs.append(f'table:formula="{escape(formula)}"')
    if value is None:
        return f"<table:table-cell {' '.join(attrs)}/>"
    if kind == "string":
        attrs.append('office:value-type="string"')
        return (f"<table:table-cell {' '.join(attrs)}><text:p>{escape(str(value))}</text:p>"
                "</table:table-cell>")
    if kind == "date":
        attrs.append(f'office:value-type="date" office:date-value="{value.isoformat()}"')
        text = value.strftime("%d/%m/%Y")
    elif kind == "currency":
        attrs.append(f'office:value-type="currency" office:currency="EUR" office:value="{value}"')
        text = f"{value:.2f} €".replace(".", ",")
    else:
        attrs.append(f'office:value-type="float" office:value="{value}"')
        text = str(value)
    return f"<table:table-cell {' '.join(attrs)}><text:p>{text}</text:p></table:table-cell>"


def _row(cells: list[str]) -> str:
    return "<table:table-row>" + "".join(cells) + "</table:table-row>"


HEADER = ["N° d'inventaire", "École", "Salle", "Type d'équipement", "Marque / Modèle",
          "N° de série", "Date d'achat", "Prix HT", "Prix TTC", "Garantie", "", "État",
          "Commentaire"]


def workbook_fods() -> str:
    """The flat ODS (XML) LibreOffice converts: title rows, the table from column B."""
    devices = workbook_rows()
    first_data = 5  # spreadsheet row of the first device (title, subtitle, blank, header)
    rows = [
        _row([_cell(), _cell(TITLE, span=len(HEADER), style="title")]
             + ["<table:covered-table-cell/>"] * (len(HEADER) - 1)),
        _row([_cell(), _cell("Commune de Brenneville — service informatique, état au "
                             "01/09/2024", span=6)] + ["<table:covered-table-cell/>"] * 5),
        _row([_cell()]),
        _row([_cell()] + [_cell(name) if name else _cell() for name in HEADER]),
    ]
    for i, d in enumerate(devices):
        r = first_data + i
        rows.append(_row([
            _cell(), _cell(), _cell(d["school"]), _cell(d["room"]), _cell(d["kind"]),
            _cell(d["maker_model"]), _cell(d["serial"]),
            _cell(d["purchase"], kind="date", style="date"),
            _cell(d["price_ht"], kind="currency", style="euro"),
            # The price with tax is a formula: 415,83 × 1,2 = 498,996 €.
            _cell(round(d["price_ht"] * 1.2, 6), kind="currency", style="euro",
                  formula=f"of:=[.I{r}]*1.2"),
            _cell(d["warranty_years"], kind="float", style="years"),
            _cell(), _cell(d["state"]), _cell(d["comment"]) if d["comment"] else _cell()]))
    last = first_data + len(devices) - 1
    total_ht = round(sum(d["price_ht"] for d in devices), 2)
    rows.append(_row([_cell()]))
    rows.append(_row([_cell(), _cell("TOTAL"), _cell(), _cell(), _cell(), _cell(), _cell(),
                      _cell(),
                      _cell(total_ht, kind="currency", style="euro",
                            formula=f"of:=SUM([.I{first_data}:.I{last}])"),
                      _cell(round(total_ht * 1.2, 6), kind="currency", style="euro",
                            formula=f"of:=SUM([.J{first_data}:.J{last}])")]))
    body = "\n".join(rows)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:automatic-styles>
  <number:date-style style:name="Ndate" number:language="fr" number:country="FR">
   <number:day number:style="long"/><number:text>/</number:text>
   <number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>
  </number:date-style>
  <number:currency-style style:name="Neuro" number:language="fr" number:country="FR">
   <number:number number:decimal-places="2" number:min-decimal-places="2"
    number:min-integer-digits="1" number:grouping="true"/>
   <number:text> </number:text>
   <number:currency-symbol number:language="fr" number:country="FR">€</number:currency-symbol>
  </number:currency-style>
  <number:number-style style:name="Nyears">
   <number:number number:decimal-places="0" number:min-integer-digits="1"/><number:text> ans</number:text>
  </number:number-style>
  <style:style style:name="date" style:family="table-cell" style:data-style-name="Ndate"/>
  <style:style style:name="euro" style:family="table-cell" style:data-style-name="Neuro"/>
  <style:style style:name="years" style:family="table-cell" style:data-style-name="Nyears"/>
  <style:style style:name="title" style:family="table-cell">
   <style:text-properties fo:font-weight="bold"/></style:style>
 </office:automatic-styles>
 <office:body><office:spreadsheet><table:table table:name="Inventaire">
{body}
 </table:table></office:spreadsheet></office:body>
</office:document>
"""


def libreoffice_workbook(folder: Path) -> Path:
    """The workbook as LibreOffice writes it (.xlsx); needs soffice."""
    if SOFFICE is None:
        raise RuntimeError("soffice is not installed")
    source = folder / "inventaire-ecoles.fods"
    source.write_text(workbook_fods(), encoding="utf-8")
    profile = folder / "lo-profile"
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "xlsx:Calc MS Excel 2007 XML", "--outdir", str(folder), str(source)],
        capture_output=True, text=True, timeout=180)
    target = folder / "inventaire-ecoles.xlsx"
    if not target.is_file():
        raise RuntimeError(f"soffice did not convert the file: {result.stdout} {result.stderr}")
    return target


GLPI_GROUP = "Informations financières et administratives"
GLPI_HEADER = ["Nom", "Entité", "Statut", "Fabricant", "Type", "Modèle", "Numéro de série",
               "Lieu", f"{GLPI_GROUP} - Date d'achat", f"{GLPI_GROUP} - Valeur",
               f"{GLPI_GROUP} - Fournisseur", f"{GLPI_GROUP} - Numéro de commande",
               f"{GLPI_GROUP} - Durée de garantie", "Commentaires"]
GLPI_ROWS = [
    ["PC-FERRY-01", "Entité racine > Écoles", "En production", "Dell", "PC fixe",
     "OptiPlex 7010", "GLPI-0001", "École élémentaire Jules Ferry > Bâtiment A > Salle info",
     "2022-09-01", "712.50", "Fournisseur public", "BC-2022-014", "3 ans", ""],
    ["PC-FERRY-02", "Entité racine > Écoles", "En stock", "Dell", "PC fixe", "OptiPlex 7010",
     "GLPI-0002", "École élémentaire Jules Ferry > Bâtiment A > Salle info", "2022-09-01",
     "712.50", "Fournisseur public", "BC-2022-014", "3 ans", "Spare"],
    ["PR-CAMUS-01", "Entité racine > Écoles", "En réparation", "Brother", "Imprimante",
     "HL-L5100DN", "GLPI-0003", "Groupe scolaire Albert Camus > Bureau direction",
     "2020-01-15", "289.00", "", "", "2 ans", "Bourrage papier"],
    ["PC-ZOLA-07", "Entité racine > Écoles", "Au rebut", "HP", "PC fixe", "ProDesk 400",
     "GLPI-0004", "Groupe scolaire Émile Zola > Salle 7", "2015-06-30", "540", "", "",
     "", ""],
    ["TAB-HUGO-02", "Entité racine > Écoles", "Volé", "Apple", "Tablette", "iPad 9",
     "GLPI-0005", "École élémentaire Victor Hugo > Classe 2", "2021-11-05", "389.00", "", "",
     "1 an", "Plainte déposée"],
]


def _csv_export(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str,
                encoding: str) -> Path:
    """A CSV file as an application exports it: its header, then its rows."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def glpi_export(folder: Path) -> Path:
    """GLPI's computer list exported as CSV (semicolons, UTF-8 with BOM)."""
    return _csv_export(folder / "glpi.csv", GLPI_HEADER, GLPI_ROWS, delimiter=";",
                       encoding="utf-8-sig")


SNIPE_HEADER = ["Asset Tag", "Asset Name", "Serial", "Model", "Model No.", "Category",
                "Manufacturer", "Location", "Purchased", "Cost", "EOL", "Order Number",
                "Supplier", "Status", "Warranty", "Notes"]
SNIPE_ROWS = [
    ["SN-00001", "Tablette CM1-01", "DMPX1234", "iPad 10.2", "MK2K3NF/A", "Tablette", "Apple",
     "École élémentaire Jean Moulin", "1/23/23", "369.00", "1/23/2028", "PO-2023-7",
     "Fournisseur public", "Ready to Deploy (deployable)", "24", ""],
    ["SN-00002", "Tablette CM1-02", "DMPX1235", "iPad 10.2", "MK2K3NF/A", "Tablette", "Apple",
     "École élémentaire Jean Moulin", "1/23/23", "369.00", "1/23/2028", "PO-2023-7",
     "Fournisseur public", "Deployed", "24", "Classe de CM1"],
    ["SN-00003", "Portable direction", "5CD2345XYZ", "ProBook 450 G9", "6F1E5EA", "PC portable",
     "HP", "École élémentaire George Sand", "11/30/22", "849.90", "11/30/2027", "", "",
     "Out for Diagnostics (pending)", "36", "Écran qui clignote"],
    ["SN-00004", "Tablette perdue", "DMPX9999", "iPad 10.2", "MK2K3NF/A", "Tablette", "Apple",
     "École élémentaire Jean Moulin", "12/13/21", "359.00", "", "", "",
     "Lost/Stolen (archived)", "12", "Sortie scolaire"],
]


def snipe_it_export(folder: Path) -> Path:
    """Snipe-IT's asset report as CSV (commas, UTF-8, month-first dates)."""
    return _csv_export(folder / "snipe-it-assets.csv", SNIPE_HEADER, SNIPE_ROWS,
                       delimiter=",", encoding="utf-8")
