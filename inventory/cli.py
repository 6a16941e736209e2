"""The `inventory` command: serve, migrate, demo, import, export, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from inventory.core import clock, db, i18n, migrations
from inventory.core.settings import Settings


def _setup() -> Settings:
    settings = Settings.from_env()
    db.configure(settings.database_url)
    i18n.set_language(settings.default_language)
    return settings


def _installation() -> Settings:
    """The settings with the installation's own values (environment, else the set-up's)."""
    from inventory.setup.service import effective

    settings = _setup()

    async def read() -> Settings:
        await migrations.migrate()
        return await effective(settings)

    return asyncio.run(_with_pool(read()))


def _warn_if_local(settings: Settings) -> None:
    from inventory.setup.rules import is_local_address

    if is_local_address(settings.filled_base_url):
        print(f"Warning: the labels point at {settings.base_url}, which phones cannot reach. "
              "Set the public address (INVENTORY_BASE_URL, or Settings in the administration "
              "pages) before printing labels to stick on devices.", file=sys.stderr)


async def _with_pool(coroutine):
    """Run `coroutine` with a connection pool (PostgreSQL, or SQLite's kept connections)."""
    engine = db.current_engine()
    await db.start_pool(engine, size=4)
    try:
        return await coroutine
    finally:
        await db.close_pool(engine)


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup()
    applied = asyncio.run(migrations.migrate())
    if applied:
        print(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print("The database is up to date.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from inventory.demo import commune as demo

    settings = _setup()

    async def run() -> int:
        await migrations.migrate()
        if not await demo.database_is_empty():
            if args.if_empty:
                print("The database already holds data; demo data not added.")
                return 0
            print("The database already holds data: the demo needs an empty database.",
                  file=sys.stderr)
            return 1
        from inventory.accounts import service as accounts

        started = time.perf_counter()
        prefix = settings.tag_prefix or "BRN"  # the demo commune's own, unless fixed
        summary = await demo.build_demo(args.assets, prefix=prefix, digits=settings.tag_digits)
        print(f"Demo commune created: {summary.sites} sites, {summary.rooms} rooms, "
              f"{summary.assets} assets in {time.perf_counter() - started:.1f} s.")
        created = await accounts.create_demo_accounts(demo.FIRST_SCHOOL)
        from inventory.maintenance.service import create_due_items

        due = await create_due_items(clock.today())
        print(f"Preventive maintenance: {due} items due within a week.")
        print(f"Demo accounts (password: {accounts.DEMO_PASSWORD}):")
        for email, role in created:
            print(f"  {role:<14} {email}")
        return 0

    return asyncio.run(_with_pool(run()))


def cmd_export(args: argparse.Namespace) -> int:
    from inventory.accounts.scope import EVERYTHING
    from inventory.exporting import kinds

    _setup()
    kind = kinds.KINDS[args.kind]
    out = sys.stdout.buffer
    if args.format == "xlsx" and out.isatty():
        print("XLSX is binary: redirect it to a file (> export.xlsx)", file=sys.stderr)
        return 2
    asyncio.run(_with_pool(kinds.write(kind, args.format, out, EVERYTHING)))
    out.flush()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from inventory.accounts.scope import EVERYTHING
    from inventory.core.i18n import _
    from inventory.imports import columns, profiles, reading, report_text
    from inventory.imports import values as value_rules
    from inventory.imports.service import Importer, ImportOptions, run_import

    settings = _installation()
    path = Path(args.file)
    if not path.is_file():
        print(_("No such file: %(path)s") % {"path": args.file}, file=sys.stderr)
        return 2
    try:
        create = value_rules.parse_create(",".join(args.create or []))
    except ValueError as unknown:
        print(_("--create takes %(choices)s or all, not “%(word)s”.") % {
            "choices": ", ".join(value_rules.CREATABLE), "word": unknown}, file=sys.stderr)
        return 2
    if args.create_categories:  # the older flag, kept
        create |= {"categories"}
    try:
        info = reading.inspect(path, reading.COMMAND_LINE_MAX_FILE_BYTES,
                               header_row=args.header_row)
        profile = profiles.Profile()
        if args.mapping:
            mapping_path = Path(args.mapping)
            profile = profiles.parse_profile_file(mapping_path.read_text(encoding="utf-8"),
                                                  mapping_path.name)
        mapping = columns.apply_mapping_file(info.header, profile.columns, info.formats)
    except (reading.FileProblem, columns.MappingProblem) as problem:
        print(problem.message, file=sys.stderr)
        return 1
    except OSError as error:
        print(error, file=sys.stderr)
        return 2
    defaults = {name: given for name, given in (("site", args.site), ("category", args.category))
                if given}
    options = ImportOptions(header_row=args.header_row, date_order=args.date_order,
                            **profiles.options_parts(profile, create, defaults))
    # The command line acts as an administrator: it creates what it is told to.
    who = Importer(actor="cli", scope=EVERYTHING, may_create_categories=True,
                   prefix=settings.filled_tag_prefix, digits=settings.tag_digits,
                   language=settings.default_language, may_create_sites=True,
                   may_transfer=True)
    note = columns.price_note(info.header, mapping)
    if note:
        print(note)

    async def run():
        await migrations.migrate()
        return await run_import(path, mapping, who, commit=not args.dry_run, options=options,
                                limit=reading.COMMAND_LINE_MAX_FILE_BYTES)

    report = asyncio.run(_with_pool(run()))
    if args.verbose:
        for line in report_text.row_lines(report):
            print(line)
    for line in report_text.skipped_lines(report):
        print(line)
    for line in report_text.note_lines(report):
        print(line)
    for line in report_text.error_lines(report):
        print(line, file=sys.stderr)
    if report.created_refs and not report.problem:
        print(report_text.created_text(report.created_refs, done=report.committed))
    print(report_text.summary(report, dry_run=args.dry_run))
    return 0 if report.ok else 1


def parse_budgets(values: list[str], first_year: int, years: int) -> dict[int, int]:
    """["2027=150000", "2028=120 000,50"] -> {2027: 15000000, 2028: 12000050}; ValueError with
    a readable message otherwise."""
    from inventory.core.errors import FieldError
    from inventory.core.parsers import euros_to_cents

    caps: dict[int, int] = {}
    for value in values:
        year_text, sep, amount = value.partition("=")
        if not sep or not year_text.strip().isdigit():
            raise ValueError(f"--budget {value!r}: expected YEAR=EUR, such as 2027=150000")
        year = int(year_text)
        if not first_year <= year < first_year + years:
            raise ValueError(f"--budget {value!r}: {year} is outside the plan "
                             f"({first_year}-{first_year + years - 1})")
        try:
            cents = euros_to_cents(amount, required=True)
        except FieldError as error:
            raise ValueError(f"--budget {value!r}: {error.message}") from None
        assert cents is not None  # required: a blank amount raised FieldError
        caps[year] = cents
    return caps


def cmd_plan(args: argparse.Namespace) -> int:

    from inventory.planning import exports
    from inventory.planning import service as planning

    _setup()
    if not 1 <= args.years <= 15:
        print("--years must be between 1 and 15", file=sys.stderr)
        return 2
    try:
        caps = parse_budgets(args.budget or [], args.start, args.years)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    settings = {"budgets": "one",
                "caps": {"all": {str(y): caps.get(y, 0)
                                 for y in range(args.start, args.start + args.years)}}}

    async def run() -> None:
        plan = await planning.compute(args.start, args.years, settings, clock.today())
        exports.write_lines(plan, await planning.names(), "csv", sys.stdout.buffer)

    asyncio.run(_with_pool(run()))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from inventory.accounts import tokens
    from inventory.core.errors import NotFound, ValidationFailed

    _setup()
    try:
        token = asyncio.run(_with_pool(tokens.create_for_email(args.email, args.name, "cli")))
    except NotFound:
        print(f"No active account with the email {args.email}", file=sys.stderr)
        return 1
    except ValidationFailed as failed:
        print("; ".join(failed.errors.values()), file=sys.stderr)
        return 2
    print(token)  # alone on stdout, for scripts: TOKEN=$(inventory token create …)
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    from inventory.accounts import service as accounts
    from inventory.core.errors import ValidationFailed

    _setup()
    if not args.password_stdin:
        print("Give the password on standard input with --password-stdin "
              "(it must not appear in the shell history).", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")

    async def run() -> int:
        await migrations.migrate()
        try:
            user = await accounts.create_user(
                {"email": args.email, "name": args.name, "role": args.role,
                 "sites": args.site or [], "password": password,
                 **({"organisations": args.organisation} if args.organisation else {})},
                "cli")
        except ValidationFailed as failed:
            for field, message in failed.errors.items():
                print(f"{field}: {message}", file=sys.stderr)
            return 1
        print(f"Account created: {user['email']} ({user['role']}).")
        return 0

    return asyncio.run(_with_pool(run()))


def cmd_labels(args: argparse.Namespace) -> int:
    from inventory.accounts.scope import EVERYTHING
    from inventory.accounts.service import resolve_sites
    from inventory.assets.service import AssetFilter
    from inventory.core.errors import NotFound, ValidationFailed
    from inventory.labels import service as labels
    from inventory.labels.formats import FormatError, all_formats
    from inventory.sites import service as sites

    settings = _installation()
    _warn_if_local(settings)
    try:
        formats = all_formats()
    except FormatError as error:
        print(error, file=sys.stderr)
        return 2
    if args.format not in formats:
        print(f"Unknown format {args.format!r}; choose one of: {', '.join(formats)}",
              file=sys.stderr)
        return 2

    async def run() -> int:
        try:
            options, fmt = labels.clean_options({"format": args.format, "skip": args.skip},
                                                settings)
            site_code = ""
            if args.site:  # a site code or a UAI
                ids, unknown = await resolve_sites([args.site])
                if unknown:
                    print(f"Unknown site: {args.site}", file=sys.stderr)
                    return 2
                site_code = next(s["code"] for s in await sites.list_sites(EVERYTHING)
                                 if s["id"] == ids[0])
            if args.rooms:
                contents = await labels.room_contents(site_code, None, EVERYTHING, options,
                                                      base_url=settings.filled_base_url)
            else:
                tags = tuple(t.upper() for t in args.tag or ())
                room = None
                if args.room:
                    from inventory.core.tables import Room

                    found = await Room.select(Room.id).where(Room.name == args.room).run()
                    room = found[0]["id"] if found else -1
                contents = await labels.asset_contents(
                    AssetFilter(site=site_code, room=room, category=(args.category or "").upper()),
                    EVERYTHING, options, base_url=settings.filled_base_url, tags=tags)
                missing = labels.missing_tags(list(tags), contents)
                if missing:  # a mistyped tag is said, not left out of the sheet
                    print(f"No asset with these tags: {', '.join(missing)}", file=sys.stderr)
                    return 2
            data = await labels.render(contents, options, fmt)
        except ValidationFailed as failed:
            for field, message in failed.errors.items():
                print(f"{field}: {message}", file=sys.stderr)
            return 1
        except NotFound as missing:
            print(f"Not found: {missing}", file=sys.stderr)
            return 1
        with open(args.output, "wb") as out:
            out.write(data)
        print(f"{len(contents)} labels written to {args.output} ({fmt.title}).")
        return 0

    return asyncio.run(_with_pool(run()))


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from inventory.backups import service as backups

    settings = _setup()
    target = Path(args.to) if args.to else backups.default_dir(settings)
    try:
        run = asyncio.run(_with_pool(backups.run_backup(settings, target, trigger="command")))
    except Exception as error:  # the database cannot even record the run
        print(f"Backup failed: {error}", file=sys.stderr)
        return 1
    if not run["ok"]:
        print(f"Backup failed: {run['message']}", file=sys.stderr)
        return 1
    print(f"Backup written: {run['archive']} ({run['size']} bytes; {run['message']}).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from inventory.backups import service as backups
    from inventory.backups.manifest import ArchiveProblem

    settings = _setup()
    try:
        restored = asyncio.run(_with_pool(backups.restore(args.archive, settings,
                                                          force=args.force)))
    except ArchiveProblem as problem:
        print(f"Not restored: {problem}", file=sys.stderr)
        return 1
    except Exception as error:  # e.g. the database cannot be reached: say so, no traceback
        print(f"Restore failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    manifest = restored.manifest
    print(f"Restored the backup of {manifest['created_at']} ({manifest['engine']}, "
          f"version {manifest['app_version']}): {sum(manifest['counts'].values())} rows in "
          f"{len(manifest['counts'])} tables, {restored.files} files; counts checked.")
    if restored.migrated:
        print(f"Migrated forward: {', '.join(restored.migrated)}")
    return 0


# uvicorn's supervisor pings each worker every half second and kills one that does not answer
# within this time. Its default, 5 s, also counts a worker's start: the spawned process must
# start Python and import uvicorn before its answering thread runs. On a loaded machine (load
# average 12-14 on 2 cores) that took longer, so starting workers were killed and replaced,
# again and again (reproduced: 24 s before the first answer, "Child process ... died").
# A hung worker is still replaced, a minute later.
WORKER_HEALTHCHECK_SECONDS = 60


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from inventory.app import create_app

    settings = _setup()
    # X-Forwarded-* are read by the app, from INVENTORY_TRUSTED_PROXIES only
    # (inventory/web/forwarded.py); uvicorn's own reading would trust 127.0.0.1 by default.
    # A phone keeps its connection for the next page (a technician reads a device's page,
    # then scans the next label): uvicorn's 5 s would make that page wait for a new
    # connection, one more round trip on a weak link; 75 s is nginx's default. No `server`
    # header: bytes on every answer, and nobody needs to know.
    options = dict(host=args.host, port=args.port, log_level="info", proxy_headers=False,
                   access_log=not args.no_access_log, timeout_keep_alive=75,
                   server_header=False)
    if args.workers > 1:
        # Each worker process builds its own app (and pool) from the same environment.
        uvicorn.run("inventory.app:create_served_app", factory=True, workers=args.workers,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS, **options)
    else:
        uvicorn.run(create_app(settings, freeze_gc=True), **options)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inventory", description=(
        "Equipment inventory of schools and public buildings. The database is chosen by "
        "INVENTORY_DATABASE_URL (default: SQLite under var/)."))
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-access-log", action="store_true")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (each runs its own copy of the service)")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="create or update the database schema")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="fill an empty database with an invented commune")
    demo.add_argument("--assets", type=int, default=1500,
                      help="devices (above 100000: a région of ~500 lycées and collèges with "
                           "students' laptops around the commune)")
    demo.add_argument("--if-empty", action="store_true",
                      help="do nothing (and succeed) when the database already holds data")
    demo.set_defaults(func=cmd_demo)

    createuser = sub.add_parser("createuser", help="create an account")
    createuser.add_argument("email")
    createuser.add_argument("--role", required=True,
                            choices=["administrator", "planner", "technician", "director",
                                     "viewer"])
    createuser.add_argument("--site", action="append",
                            help="site code or UAI (repeat for several); needed for directors")
    createuser.add_argument("--organisation", action="append",
                            help="code of an organisation the account works for (repeat for "
                                 "several); by default the installation's first")
    createuser.add_argument("--name", default="",
                            help="display name shown instead of the email, such as \"Prénom Nom\"")
    createuser.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input")
    createuser.set_defaults(func=cmd_createuser)

    labels = sub.add_parser("labels", help="print asset (or room) labels to a PDF")
    labels.add_argument("--site", help="site code or UAI")
    labels.add_argument("--room", help="room name (with --site)")
    labels.add_argument("--category", help="category code")
    labels.add_argument("--tag", action="append", help="an asset tag (repeat for several)")
    labels.add_argument("--rooms", action="store_true", help="door labels for the site's rooms")
    labels.add_argument("--format", required=True, help="label format (a file name in labels/)")
    labels.add_argument("--skip", type=int, default=0, help="positions already used on the sheet")
    labels.add_argument("-o", "--output", required=True)
    labels.set_defaults(func=cmd_labels)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="action", required=True)
    token_create = token_sub.add_parser("create", help="create a token for an account and "
                                                       "print it (alone) on stdout")
    token_create.add_argument("email")
    token_create.add_argument("--name", default="command line")
    token_create.set_defaults(func=cmd_token)

    plan = sub.add_parser("plan", help="print a renewal plan of the fleet as CSV")
    plan.add_argument("--start", type=int, required=True, help="first year of the plan")
    plan.add_argument("--years", type=int, required=True, help="number of years")
    plan.add_argument("--budget", action="append", metavar="YEAR=EUR",
                      help="the cap of one year (repeat per year; a year without one gets 0)")
    plan.add_argument("--format", default="csv", choices=["csv"])
    plan.set_defaults(func=cmd_plan)

    imp = sub.add_parser("import", help="import assets (and their rooms and models) from a "
                         "CSV or XLSX file; all or nothing")
    imp.add_argument("file", help="a .csv (UTF-8 or Windows-1252, ; or ,) or .xlsx file")
    imp.add_argument("--mapping", help="an import profile, JSON or TOML: [columns] maps column "
                     "names to fields (columns it does not name are guessed from the header); "
                     "[values.category], [values.status], [values.site], "
                     "[values.manufacturer] map the file's values to ours (\"+create\": "
                     "create it); [defaults] site, category, create")
    imp.add_argument("--dry-run", action="store_true",
                     help="check the file and report what would happen; write nothing")
    imp.add_argument("--create", action="append", metavar="sites,rooms,categories,models",
                     help="create what the file names and does not exist yet (or 'all'); "
                     "rooms and models are always created")
    imp.add_argument("--create-categories", action="store_true",
                     help="the same as --create categories")
    imp.add_argument("--site", metavar="CODE_OR_UAI",
                     help="the site of rows that give none")
    imp.add_argument("--category", metavar="CODE",
                     help="the category of rows that give none")
    imp.add_argument("--header-row", type=int, metavar="N",
                     help="the row holding the column names (default: found by the import)")
    imp.add_argument("--date-order", choices=["dmy", "mdy"], default="dmy",
                     help="dates written as numbers: dmy, day first (31/12/2024, default), or "
                     "mdy, month first (12/31/2024, Snipe-IT)")
    imp.add_argument("-v", "--verbose", action="store_true",
                     help="print what happens to every row")
    imp.set_defaults(func=cmd_import)

    backup = sub.add_parser("backup", help="write a backup archive (database and stored "
                            "files) while the service runs")
    backup.add_argument("--to", metavar="DIR",
                        help="folder of the archive (default: INVENTORY_DATA_DIR/backups)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup archive into an empty "
                             "database (stop the service first), then migrate it forward")
    restore.add_argument("archive", help="an inventory-backup-*.tar.gz file")
    restore.add_argument("--force", action="store_true",
                         help="replace the content of a database that is not empty")
    restore.set_defaults(func=cmd_restore)

    export = sub.add_parser("export", help="write data to stdout")
    export.add_argument("kind", choices=["assets", "faults", "interventions", "plans"])
    export.add_argument("--format", default="csv", choices=["csv", "xlsx"],
                        help="csv: commas and decimal points, for scripts; xlsx: a sheet")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
