#!/bin/sh
# The system packages the test suite needs (Debian names), checked before `make test` runs:
# PostgreSQL's server (tests start their own), Chromium (browser journeys), LibreOffice Calc
# (it writes the real spreadsheets the import tests read), a font for the pages Chromium
# draws, nginx (in front of two instances: tests/test_two_instances.py, the bench), the venv
# module and make. Missing ones are installed when run as root; otherwise
# it stops at once with the one line to run.
#
# For testing this script: SYSTEM_DEPS_MISSING="a b" pretends those packages are missing,
# SYSTEM_DEPS_UID pretends another user id, SYSTEM_DEPS_DRY_RUN=1 prints the apt-get
# commands instead of running them.
set -eu

missing=""
need() { missing="$missing $1"; }

# shellcheck disable=SC2144
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 \
  || need postgresql
[ -x /usr/bin/chromium ] || need chromium
command -v soffice >/dev/null 2>&1 || need libreoffice-calc
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need fonts-dejavu-core
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need nginx
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need python3-venv
command -v make >/dev/null 2>&1 || need make

missing="$missing ${SYSTEM_DEPS_MISSING:-}"
missing=$(echo $missing)  # squeeze the spaces
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends $missing"
if [ "${SYSTEM_DEPS_UID:-$(id -u)}" != 0 ]; then
  echo "The tests need system packages that are missing: $missing" >&2
  echo "Install them as root, then run make test again:" >&2
  echo "  $line" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need these Debian packages (or your system's equivalents): $missing" >&2
  exit 1
fi

run() {
  if [ -n "${SYSTEM_DEPS_DRY_RUN:-}" ]; then echo "would run: $*"; else "$@"; fi
}
echo "Installing the system packages the tests need: $missing"
export DEBIAN_FRONTEND=noninteractive
run apt-get update -qq
# shellcheck disable=SC2086
run apt-get install -y -qq --no-install-recommends $missing
# Debian's packages start a PostgreSQL cluster on port 5432 and nginx on port 80; the tests
# start their own servers.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r version name _rest; do
    run pg_ctlcluster "$version" "$name" stop >/dev/null 2>&1 || true
  done
fi
case " $missing " in
  *" nginx "*) run sh -c 'service nginx stop >/dev/null 2>&1 || true' ;;
esac
