"""A comment's text as readers see it: paragraphs, links, maths as in
abstracts, and no HTML of the writer's."""

from discussion.text import render_comment
from papers import maths


def test_blank_lines_make_paragraphs_and_single_breaks_stay():
    html = render_comment("First thought.\nSame paragraph.\n\n\nSecond thought.")

    assert html == "<p>First thought.<br>Same paragraph.</p><p>Second thought.</p>"


def test_addresses_become_links_without_their_trailing_punctuation():
    html = render_comment("See https://arxiv.org/abs/1706.03762. Or www.example.org!")

    assert (
        '<a href="https://arxiv.org/abs/1706.03762" rel="nofollow">'
        "https://arxiv.org/abs/1706.03762</a>." in html
    )
    assert (
        '<a href="https://www.example.org" rel="nofollow">www.example.org</a>!' in html
    )


def test_maths_is_rendered_exactly_as_in_abstracts():
    html = render_comment("The loss $x^2 + \\frac{a}{b}$ is convex.")

    assert html == f"<p>{maths.render('The loss $x^2 + \\frac{a}{b}$ is convex.')}</p>"
    assert "<math" in html


def test_markup_and_script_addresses_are_shown_as_typed():
    html = render_comment(
        '<b>bold</b> <a href="javascript:alert(1)">x</a> javascript:alert(2) '
        "<script>alert(3)</script>"
    )

    assert "<b>" not in html
    assert "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "javascript:alert(2)" in html  # shown, not linked
    assert html.count("<a ") == 0


def test_a_link_and_a_formula_on_one_line_are_both_made():
    html = render_comment("$a$ https://example.org/x?y=1&z=2 $b$")

    assert html.count("<math") == 2
    assert 'href="https://example.org/x?y=1&amp;z=2"' in html
