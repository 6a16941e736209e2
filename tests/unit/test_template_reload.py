"""INVENTORY_DEBUG=1 compiles a template again once it changed on disk; in service a
template is read once."""

import os

from jinja2 import FileSystemLoader

from inventory.web.templating import make_environment, make_template_engine


def test_a_reloading_environment_sees_a_template_changed_on_disk(tmp_path):
    page = tmp_path / "page.html"
    for reload, expected in ((True, "second"), (False, "first")):
        page.write_text("first")
        env = make_environment("en", reload=reload)
        env.loader = FileSystemLoader(tmp_path)
        assert env.get_template("page.html").render() == "first"
        page.write_text("second")
        stat = page.stat()  # a later modification time, whatever the file system's precision
        os.utime(page, (stat.st_atime, stat.st_mtime + 10))
        assert env.get_template("page.html").render() == expected


def test_the_engine_passes_reloading_to_every_language():
    for reload in (True, False):
        environments = make_template_engine(reload=reload).environments
        assert len(environments) >= 2
        assert all(env.auto_reload is reload for env in environments.values())
