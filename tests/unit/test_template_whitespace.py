"""Templates lose their indentation when compiled (bytes on a weak link), but not the line
breaks that separate inline elements, and not what <pre> and <textarea> hold."""

from inventory.web.templating import make_environment, strip_indentation


def test_indentation_and_blank_lines_go_line_breaks_stay():
    source = "<ul>\n    <li>a</li>\n\n\n    <li>b</li>\n</ul>\n"
    assert strip_indentation(source) == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"


def test_pre_and_textarea_are_kept_as_written():
    source = ("<div>\n  <pre class=\"command\">a\n    b</pre>\n  <textarea name=\"n\">\n  x\n"
              "  </textarea>\n  <p>c</p>\n</div>")
    assert strip_indentation(source) == (
        "<div>\n<pre class=\"command\">a\n    b</pre>\n<textarea name=\"n\">\n  x\n"
        "  </textarea>\n<p>c</p>\n</div>")


def test_a_compiled_template_renders_without_indentation():
    environment = make_environment("fr")
    html = environment.from_string(
        "<ol>\n  {% for n in items %}\n    <li>{{ n }} <strong>{{ n }}</strong></li>\n"
        "  {% endfor %}\n</ol>").render(items=[1, 2])
    assert html == "<ol>\n<li>1 <strong>1</strong></li>\n<li>2 <strong>2</strong></li>\n</ol>"
