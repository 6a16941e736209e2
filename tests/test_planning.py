"""Renewal plans through the service's pages, exports, CLI and nightly job, on both engines."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from inventory.accounts.scope import EVERYTHING
from inventory.planning import alerts
from inventory.planning import service as planning
from tests.helpers import count, field_error, query

INVENTORY = str(Path(sys.executable).parent / "inventory")
YEAR = dt.date.today().year + 1
YEARS = range(YEAR, YEAR + 5)


def _scenario(client, name="Schéma directeur", cap="150000", **extra):
    created = client.post("/plans", data={"name": name, "first_year": str(YEAR), "years": "5"},
                          follow_redirects=False)
    assert created.status_code == 303, created.text
    plan_id = int(created.headers["location"].rsplit("/", 1)[1])
    form = {"name": name, "first_year": str(YEAR), "years": "5", "budgets": "one",
            **{f"cap_all_{y}": cap for y in YEARS}, "version": "1", **extra}
    saved = client.post(f"/plans/{plan_id}", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    return plan_id, form


def _money(text: str) -> int:
    """'1,234.50 €' or '1 234,50 €' as shown on a page -> cents."""
    digits = re.sub(r"[^\d]", "", text)
    return int(digits)


PC_EUR, ENI_EUR = 800, 4000  # the categories' replacement costs


def _fleet(make) -> dict:
    """A commune's schools for the plans: 14 laptops (lifespan 5, warranty over) bought two
    a year from YEAR - 7, so four are overdue and two fall due every year of the five-year
    plans (YEAR included); an interactive display in one classroom of each elementary
    school (due after the plans), the other four lacking one, and a maternelle's
    classrooms that the targets below leave out."""
    make.installation()
    school = make.site(name="École élémentaire des Tilleuls", kind="elementaire")
    group = make.site(name="Groupe scolaire de la Forêt", kind="groupe_scolaire")
    nursery = make.site(name="École maternelle des Prés", kind="maternelle")
    pc = make.category(code="PC-PORT", name="Ordinateur portable", lifespan_years=5,
                       replacement_cost_cents=PC_EUR * 100)
    eni = make.category(code="ENI", name="Écran numérique interactif", lifespan_years=8,
                        replacement_cost_cents=ENI_EUR * 100, is_interactive_display="on")
    rooms = {site["code"]: [make.room(site, name=f"Classe {n}", kind="classroom")
                            for n in (1, 2, 3)] for site in (school, group, nursery)}
    make.asset(site=school, category=eni, room=rooms[school["code"]][0],
               purchase_date=f"{YEAR - 2}-09-01")
    make.asset(site=group, category=eni, room=rooms[group["code"]][0],
               purchase_date=f"{YEAR - 3}-09-01")  # both due after the plans
    laptops = []
    for bought in range(YEAR - 7, YEAR):
        laptops += make.assets(2, site=school if bought % 2 else group, category=pc,
                               purchase_date=f"{bought}-03-15",
                               warranty_end=f"{bought + 2}-03-15")
    return {"school": school, "group": group, "pc": pc, "eni": eni, "rooms": rooms,
            "laptops": laptops, "planner": make.account("planner"),
            "technician": make.account("technician")}


def _planner(empty_client, make):
    fleet = _fleet(make)
    make.sign_in(empty_client, fleet["planner"])
    return empty_client, fleet


def test_planner_builds_an_explained_plan(empty_client, make, run):
    planner, _fleet_ = _planner(empty_client, make)
    plan_id, _form = _scenario(planner)
    page = planner.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    assert "Yearly totals" in page.text and "By site and category" in page.text
    # Every line says why, in words.
    assert re.search(r"\d+ years? old for a lifespan of \d+", page.text)
    assert f"{YEAR}: 7 years old for a lifespan of 5; warranty over" in page.text
    assert "Per year past end of life" in page.text  # the weights are on screen
    plan = run(planning.get_plan(plan_id, EVERYTHING))
    result = run(planning.computed(plan, dt.date.today()))
    assert plan["summary"]["total_cents"] == result.total_cents == 14 * PC_EUR * 100


def test_bad_settings_are_refused_at_the_field_and_nothing_is_written(empty_client, make):
    planner, _fleet_ = _planner(empty_client, make)
    before = count("renewal_plan")
    bad = planner.post("/plans", data={"name": "", "first_year": "20x7", "years": "40"})
    assert bad.status_code == 400
    assert field_error(bad.text, "name") == "This field is required."
    assert field_error(bad.text, "first_year") == "Enter a whole number."
    assert field_error(bad.text, "years") == "Enter a number of at most 15."
    assert count("renewal_plan") == before
    plan_id, form = _scenario(planner)
    version = query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"]
    wrong = planner.post(f"/plans/{plan_id}", data={
        **form, "version": str(version), f"cap_all_{YEAR}": "beaucoup", "weight_age": "-1",
        "target_0_kinds": "elementaire", "target_0_category": "PC-PORT", "target_0_by_year": ""})
    assert wrong.status_code == 400
    assert field_error(wrong.text, f"cap_all_{YEAR}") == "Enter an amount in euros, such as 1 234,50."
    assert field_error(wrong.text, "weight_age") == "Enter a number of at least 0."
    assert field_error(wrong.text, "target_0_category") == "Choose one of the proposed values."
    assert field_error(wrong.text, "target_0_by_year") == "This field is required."
    assert 'value="beaucoup"' in wrong.text  # what was typed is kept
    assert query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"] == version


def test_a_regions_yearly_cap_of_tens_of_millions_is_accepted(empty_client, make):
    """A région's yearly budget is far above the 20 million euros a device's price may be."""
    planner, _fleet_ = _planner(empty_client, make)
    plan_id, form = _scenario(planner, cap="40 000 000")
    settings = query("SELECT settings FROM renewal_plan WHERE id = {}", plan_id)[0]["settings"]
    if isinstance(settings, str):
        settings = json.loads(settings)
    assert settings["caps"]["all"][str(YEAR)] == 4_000_000_000
    version = query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"]
    absurd = planner.post(f"/plans/{plan_id}", data={
        **form, "version": str(version), f"cap_all_{YEAR}": "1" + "0" * 13})
    assert absurd.status_code == 400
    assert field_error(absurd.text, f"cap_all_{YEAR}") == "This amount is too large."


def test_changing_a_cap_updates_the_plan_in_place(empty_client, make):
    planner, _fleet_ = _planner(empty_client, make)
    plan_id, form = _scenario(planner, cap=str(PC_EUR))  # one laptop a year
    low = planner.get(f"/plans/{plan_id}").text
    version = query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"]
    fragment = planner.post(f"/plans/{plan_id}", headers={"hx-request": "true"},
                            data={**form, "version": str(version),
                                  **{f"cap_all_{y}": "400000" for y in YEARS}})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="plan-editor">')
    assert "<html" not in fragment.text

    def planned(html):
        return _money(re.search(r"<strong>([^<]+)</strong> planned over", html).group(1))

    assert planned(low) == 5 * PC_EUR * 100
    assert planned(fragment.text) == 14 * PC_EUR * 100 > planned(low)  # every laptop
    assert query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"] == version + 1
    # Stale form: not saved, the page says so.
    stale = planner.post(f"/plans/{plan_id}", data={**form, "version": str(version)})
    assert stale.status_code == 400 and "Someone else changed this plan" in stale.text


def test_coverage_target_buys_displays_for_the_rooms_lacking_one(empty_client, make, run):
    planner, fleet = _planner(empty_client, make)
    plan_id, _form = _scenario(planner, cap="1000000", **{
        "target_0_kinds": ["elementaire", "groupe_scolaire"], "target_0_category": "ENI",
        "target_0_by_year": str(YEAR + 2)})
    plan = run(planning.get_plan(plan_id, EVERYTHING))
    result = run(planning.computed(plan, dt.date.today()))
    new_lines = [line for line in result.lines if line.kind == "new"]
    assert new_lines and all(line.year <= YEAR + 2 for line in new_lines)
    lacking = query(
        "SELECT COUNT(*) AS n FROM room JOIN site ON site.id = room.site WHERE room.kind = "
        "'classroom' AND site.kind IN ('elementaire', 'groupe_scolaire') AND NOT EXISTS ("
        "SELECT 1 FROM asset JOIN category ON category.id = asset.category WHERE asset.room = "
        "room.id AND asset.status != 'retired' AND category.is_interactive_display)")[0]["n"]
    assert len(new_lines) == lacking == 4  # the maternelle's classrooms are not targeted
    assert {line.cost_cents for line in new_lines} == {ENI_EUR * 100}
    texts = []
    for number in range(1, 30):  # the year's lines, page by page
        page = planner.get(f"/plans/{plan_id}?year={YEAR}&page={number}")
        texts.append(page.text)
        if f"page={number + 1}" not in page.text:
            break
    assert any("classroom without an interactive display" in text for text in texts)


def test_xlsx_and_csv_exports_give_the_page_totals(empty_client, make, run):
    planner, _fleet_ = _planner(empty_client, make)
    plan_id, _form = _scenario(planner, cap=str(2 * PC_EUR))  # two laptops a year
    plan = run(planning.get_plan(plan_id, EVERYTHING))
    result = run(planning.computed(plan, dt.date.today()))
    assert result.total_cents == 10 * PC_EUR * 100 and result.backlog_cents == 4 * PC_EUR * 100
    page = planner.get(f"/plans/{plan_id}")
    footer = re.search(r"<tfoot><tr><th scope=\"row\">Total</th><td class=\"num\"[^>]*>([^<]+)</td>"
                       r"<td class=\"num\"[^>]*>([^<]+)</td>", page.text)
    assert _money(footer.group(2)) == result.total_cents

    xlsx = planner.get(f"/plans/{plan_id}/plan.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    lines, totals, by_site = book.worksheets
    yearly = {row[0]: row for row in totals.iter_rows(min_row=2, values_only=True)}
    for total in result.totals:
        assert round(yearly[total.year][2] * 100) == total.spent_cents
        assert round(yearly[total.year][1] * 100) == total.cap_cents
    assert round(yearly["Total"][2] * 100) == result.total_cents == _money(footer.group(2))
    assert round(yearly["Backlog"][2] * 100) == result.backlog_cents
    line_sum = sum(round(r[5] * 100) for r in lines.iter_rows(min_row=2, values_only=True)
                   if r[0] != "Backlog")  # the reader's words (English here)
    assert isinstance(lines["A2"].value, int) and lines["A1"].value == "Year"
    assert line_sum == result.total_cents
    assert lines["F2"].number_format == '#,##0.00 "€"'
    site_total = sum(round(r[-1] * 100) for r in by_site.iter_rows(min_row=2, values_only=True))
    assert site_total == result.total_cents

    exported = planner.get(f"/plans/{plan_id}/plan.csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")  # BOM: French Excel keeps the accents
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    # For French Excel: headers and words in the reader's language (English here).
    assert rows[0] == ["Year", "Tag", "Site", "Room", "Category", "Cost (EUR)", "Reason"]
    assert all("," in row[5] and "." not in row[5] for row in rows[1:])
    assert sum(_money(r[5]) for r in rows[1:] if r[0] != "Backlog") == result.total_cents
    assert sum(1 for r in rows[1:] if r[0] == "Backlog") == len(result.backlog) == 4
    assert any(row[2] == "École élémentaire des Tilleuls" for row in rows[1:])

    printable = planner.get(f"/plans/{plan_id}/print")
    assert printable.status_code == 200 and "Multi-year renewal plan" in printable.text


def test_compare_two_scenarios(empty_client, make):
    planner, _fleet_ = _planner(empty_client, make)
    tight, _ = _scenario(planner, name="Tight", cap=str(PC_EUR))
    generous, _ = _scenario(planner, name="Generous", cap="400000")
    page = planner.get(f"/plans/compare?a={tight}&b={generous}")
    assert page.status_code == 200
    row = re.search(r"Unfunded backlog</th><td class=\"num\"[^>]*>([^<]+?) \(\d+\)</td>"
                    r"<td class=\"num\"[^>]*>([^<]+?) \(\d+\)</td>", page.text)
    assert _money(row.group(1)) == 9 * PC_EUR * 100 and _money(row.group(2)) == 0
    assert "Average age of the fleet at the end" in page.text
    assert "Classrooms with an interactive display at the end" in page.text


def test_approved_plan_is_frozen_and_follows_replacements(empty_client, make, run):
    planner, fleet = _planner(empty_client, make)
    plan_id, form = _scenario(planner, cap="60000")
    version = query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"]
    # Approving cannot be undone: without the ticked box it is refused, beside the box.
    unconfirmed = planner.post(f"/plans/{plan_id}/approve", data={"version": str(version)})
    assert unconfirmed.status_code == 400
    assert "cannot be undone" in field_error(unconfirmed.text, "confirm")
    assert 'name="confirm" value="1" required' in unconfirmed.text
    assert count("plan_line", "plan = {}", plan_id) == 0
    assert query("SELECT status FROM renewal_plan WHERE id = {}", plan_id)[0]["status"] == "draft"
    approved = planner.post(f"/plans/{plan_id}/approve", data={"version": str(version),
                                                               "confirm": "1"},
                            follow_redirects=False)
    assert approved.status_code == 303
    stored = count("plan_line", "plan = {}", plan_id)
    assert stored == 14  # every laptop, funded within the caps
    assert count("audit_record", "entity = 'plan' AND entity_key = {} AND action = 'approve'",
                 str(plan_id)) == 1
    make.sign_in(planner, "administrator")
    log = planner.get("/admin/audit?entity=plan")
    assert f'href="/plans/{plan_id}"' in log.text and "Approved" in log.text
    make.sign_in(planner, fleet["planner"])
    again = planner.post(f"/plans/{plan_id}", data={**form, "version": str(version + 1)})
    assert again.status_code == 400 and "frozen" in again.text
    first = query("SELECT tag, cost_cents FROM plan_line WHERE plan = {} AND kind = 'replace' "
                  "AND year IS NOT NULL ORDER BY position LIMIT 1", plan_id)[0]

    tech = planner
    make.sign_in(tech, fleet["technician"])
    start = tech.get(f"/assets/new?replaces={first['tag']}")
    assert f'value="{first["tag"]}"' in start.text
    site = query("SELECT site.code FROM asset JOIN site ON site.id = asset.site WHERE tag = {}",
                 first["tag"])[0]["code"]
    category = query("SELECT category.code FROM asset JOIN category ON category.id = "
                     "asset.category WHERE tag = {}", first["tag"])[0]["code"]
    created = tech.post("/assets/new", data={
        "site": site, "category": category, "status": "in_service", "replaces": first["tag"],
        "purchase_date": dt.date.today().isoformat(), "purchase_price_eur": "321,00"},
        follow_redirects=False)
    assert created.status_code == 303, created.text
    assert query("SELECT status FROM asset WHERE tag = {}", first["tag"])[0]["status"] == "retired"
    assert count("audit_record", "entity_key = {} AND action = 'retire'", first["tag"]) == 1
    twice = tech.post("/assets/new", data={"site": site, "category": category,
                                           "replaces": first["tag"]})
    assert twice.status_code == 400
    assert field_error(twice.text, "replaces") == "This device already has a successor."

    admin = tech
    make.sign_in(admin, "administrator")
    follow = admin.get(f"/plans/{plan_id}").text
    assert "/assets/new?replaces=" in follow  # the next lines offer to register theirs
    assert f"/assets/new?replaces={first['tag']}" not in follow  # this one is done
    make.sign_in(planner, fleet["planner"])
    page = planner.get(f"/plans/{plan_id}")
    assert re.search(r"<strong>1</strong> lines done", page.text)
    assert "321.00" in page.text or "321,00" in page.text  # spent to date
    assert count("plan_line", "plan = {}", plan_id) == stored  # frozen: nothing recomputed
    progress = run(planning.progress(run(planning.get_plan(plan_id, EVERYTHING)), dt.date.today()))
    assert progress.done == 1 and progress.spent_cents == 32100


def test_readers_and_writers(empty_client, make):
    plan = make.plan(name="Plan des écoles")
    client = empty_client
    make.sign_in(client, "viewer")
    listed = client.get("/plans")
    assert listed.status_code == 200 and "Plan des écoles" in listed.text
    assert client.get(f"/plans/{plan['id']}").status_code == 200
    before = count("renewal_plan")
    assert client.post("/plans", data={"name": "x", "first_year": "2027",
                                       "years": "3"}).status_code == 403
    assert count("renewal_plan") == before
    make.sign_in(client, "director")
    assert client.get("/plans").status_code == 403
    make.sign_in(client, "technician")
    assert client.get(f"/plans/{plan['id']}").status_code == 403


def test_category_policy_fields_are_validated(empty_client, make):
    planner = empty_client
    make.sign_in(planner, "planner")
    bad = planner.post("/categories/new", data={
        "code": "DRONE", "name": "Drone", "lifespan_years": "4", "replacement_cost_eur": "900",
        "price_change_percent": "beaucoup", "criticality": "7"})
    assert bad.status_code == 400
    assert field_error(bad.text, "price_change_percent") == "Enter a percentage, such as 2,5."
    assert field_error(bad.text, "criticality") == "Enter a number of at most 3."
    good = planner.post("/categories/new", data={
        "code": "DRONE", "name": "Drone", "lifespan_years": "4", "replacement_cost_eur": "900",
        "price_change_percent": "2,5", "criticality": "2"}, follow_redirects=False)
    assert good.status_code == 303
    row = query("SELECT price_change_bp, criticality FROM category WHERE code = 'DRONE'")[0]
    assert (row["price_change_bp"], row["criticality"]) == (250, 2)


def _cli(url, *args):
    env = {**os.environ, "INVENTORY_DATABASE_URL": url, "INVENTORY_LANGUAGE": "en"}
    return subprocess.run([INVENTORY, *args], env=env, capture_output=True, text=True, timeout=120)


def test_plan_command_prints_csv_for_scripts(empty_url, make):
    _fleet(make)
    url = empty_url
    done = _cli(url, "plan", "--start", str(YEAR), "--years", "3",
                "--budget", f"{YEAR}=50000", "--budget", f"{YEAR + 1}=40 000,50")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["year", "tag", "site", "room", "category", "cost_eur", "reason"]
    by_year: dict[str, int] = {}
    for row in rows:
        assert re.fullmatch(r"\d+\.\d\d", row["cost_eur"])
        by_year[row["year"]] = by_year.get(row["year"], 0) + _money(row["cost_eur"])
    assert by_year[str(YEAR)] <= 5_000_000 and by_year[str(YEAR + 1)] <= 4_000_050
    assert by_year[str(YEAR)] == 6 * PC_EUR * 100  # the overdue ones and that year's
    assert str(YEAR + 2) not in by_year  # no budget that year
    assert by_year["backlog"] == 2 * PC_EUR * 100  # those due the year without a budget
    assert all(row["tag"] for row in rows)  # replacements only: no coverage target here
    wrong = _cli(url, "plan", "--start", str(YEAR), "--years", "3", "--budget", "2099=5")
    assert wrong.returncode == 2 and "outside the plan" in wrong.stderr
    wrong = _cli(url, "plan", "--start", str(YEAR), "--years", "3", "--budget", "lots")
    assert wrong.returncode == 2 and "YEAR=EUR" in wrong.stderr


def test_nightly_job_tells_planners_once(empty_client, make, run):
    planner, fleet = _planner(empty_client, make)
    make.plan(name="Plan serré", first_year=YEAR, years=5, cap=str(PC_EUR))
    today = dt.date(YEAR - 1, 11, 22)
    new = run(alerts.nightly(today, "https://inventaire.example"))
    kinds = sorted(alert["kind"] for alert in new)
    assert kinds == ["end_of_life", "over_cap"]  # the plan's caps are tight
    eol = next(alert for alert in new if alert["kind"] == "end_of_life")
    assert eol["year"] == YEAR and eol["categories"] == [["Ordinateur portable", 2]]
    mails = query("SELECT to_address, subject, body FROM outbox ORDER BY id")
    assert {m["to_address"] for m in mails} == {fleet["planner"]["email"]}
    assert any(f"end of life in {YEAR}" in m["subject"] or str(YEAR) in m["subject"]
               for m in mails)
    assert run(alerts.nightly(today, "https://inventaire.example")) == []  # told once
    assert count("outbox") == len(mails)
    dashboard = planner.get("/")
    assert "Renewal planning" in dashboard.text
    assert f"2 devices reach their end of life in {YEAR}" in dashboard.text
    # In spring no new year starts within six months: no end-of-life news.
    assert alerts.end_of_life_year_ahead(dt.date(YEAR, 3, 1)) is None
    assert alerts.end_of_life_year_ahead(dt.date(YEAR, 7, 15)) == YEAR + 1
