"""The asset page reads a device's interventions, faults and loan only when it has some
(queries.PAGE_SELECT says which): what it shows is the same either way. Both engines."""

from __future__ import annotations

from inventory.accounts.scope import EVERYTHING
from inventory.assets import service as assets
from inventory.interventions import service as interventions


def test_the_page_shows_what_the_device_has_and_nothing_else(empty_client, make, run):
    client = empty_client
    site = make.site()
    busy, quiet = make.asset(site=site), make.asset(site=site)
    run(interventions.log(busy["tag"], {"notes": "Lampe changée"}, "tech", EVERYTHING))
    make.fault(busy)
    person = make.person(name="Camille Essai")
    make.loan(busy, person)
    returned = make.asset(site=site)
    make.loan(returned, make.person(name="Dominique Essai"), returned=True)

    row = run(assets.get_asset(busy["tag"], EVERYTHING, for_page=True))
    assert (bool(row["has_interventions"]), bool(row["has_faults"]), bool(row["has_loans"])) \
        == (True, True, True)
    row = run(assets.get_asset(quiet["tag"], EVERYTHING, for_page=True))
    assert not (row["has_interventions"] or row["has_faults"] or row["has_loans"])

    make.sign_in(client, "technician")
    page = client.get(f"/a/{busy['tag']}").text
    assert "Lampe changée" in page and "Camille Essai" in page
    assert "1 open fault" in page
    page = client.get(f"/a/{quiet['tag']}").text
    assert "Lampe changée" not in page and "Camille Essai" not in page
    assert "No intervention recorded yet" in page and "open fault" not in page
    # A loan given back: the device has loans, none open: nothing shown as held.
    page = client.get(f"/a/{returned['tag']}").text
    assert "Dominique Essai" not in page
