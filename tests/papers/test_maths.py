"""Maths in titles and abstracts, drawn as MathML."""

import re

from papers.maths import render


def test_inline_maths_becomes_mathml_and_the_prose_stays_escaped():
    html = render(r"Bounds for $\sum_{i=1}^{n-1} x_i$ when a < b & c")

    assert html.startswith("Bounds for <math")
    assert 'display="inline"' in html
    assert "<msubsup><mo>&#x02211;</mo>" in html  # the sum sign, with its limits
    assert html.endswith(" when a &lt; b &amp; c")
    # The source is kept only as the formula's annotation, which is not drawn.
    assert '<annotation encoding="application/x-tex">$\\sum_{i=1}^{n-1} x_i$<' in html
    assert "$" not in html.split("<math")[0] + html.split("</math>")[1]


def test_display_maths_and_parenthesised_maths_are_drawn_too():
    html = render(r"We show $$E = mc^2$$ and \(a^2\).")

    assert 'display="block"' in html
    assert html.count("<math") == 2


def test_text_commands_become_emphasis():
    html = render(r"A \emph{new} and \textbf{fast} method, \textit{really}")

    assert html == "A <em>new</em> and <strong>fast</strong> method, <em>really</em>"


def test_a_formula_that_does_not_convert_shows_its_source():
    html = render(r"Broken $\frac{1}{$ here")

    assert '<span class="formula-source">$\\frac{1}{$</span>' in html
    assert "<math" not in html


def test_markup_inside_maths_is_never_html():
    html = render(r"$<script>alert(1)</script>$ and $a<b$")

    assert "<script" not in html
    assert re.search(r"<mo>&#x0003C;</mo><mi>s</mi>", html)


def test_search_words_are_marked_in_the_prose_not_in_formulas():
    html = render(r"Attention with $attention$ cost", ["attention"])

    assert html.startswith("<mark>Attention</mark> with <math")
    assert "<mark>" not in html.split("<math")[1].split("</math>")[0]


def test_escaped_dollars_are_prose():
    assert render(r"costs \$5 and \$6") == r"costs \$5 and \$6"
