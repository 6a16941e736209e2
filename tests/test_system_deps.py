"""`make test`'s first step (scripts/system-deps.sh): nothing to do on a machine that has
the packages; otherwise installs them as root, or stops with the one line to run."""

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "system-deps.sh"


def _run(**env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(["sh", str(SCRIPT)], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=60)


def test_nothing_to_do_when_everything_is_installed():
    done = _run()  # this machine runs the suite: it has every package
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_person_who_is_not_root_gets_the_one_line_to_run():
    done = _run(SYSTEM_DEPS_UID="1000", SYSTEM_DEPS_MISSING="postgresql chromium")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines()[-1] == \
        "  apt-get install -y --no-install-recommends postgresql chromium"


def test_root_installs_what_is_missing():
    done = _run(SYSTEM_DEPS_UID="0", SYSTEM_DEPS_MISSING="chromium", SYSTEM_DEPS_DRY_RUN="1")
    assert done.returncode == 0, done.stderr
    assert "would run: apt-get install -y -qq --no-install-recommends chromium" in done.stdout
    assert done.stdout.index("apt-get update") < done.stdout.index("apt-get install")
