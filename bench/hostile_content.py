"""Hostile catalogue content: markup, event handlers, javascript: URLs,
LaTeX, right-to-left and zero-width characters, a 100 kB abstract, 1,000
authors. The escaping tests (tests/test_hostile.py) and the hostile-catalogue
benchmark (bench/hostile.py) use the same; it lives here because a benchmark
never imports from tests/, and needs no Django."""

HOSTILE_TITLE = (
    '<script>alert("t")</script><img src=x onerror=alert(1)> '
    '<a href="javascript:alert(2)">click</a> $\\frac{a}{b} < c$ '
    "\u202eevil\u202c zero\u200bwidth"
)
HOSTILE_ABSTRACT = (
    '<iframe src="javascript:alert(3)"></iframe><svg onload=alert(4)> '
    + "Attention $O(n^2)$ & more. " * 3_800
)
HOSTILE_AUTHORS = ["<b>Mallory</b> onmouseover=alert(5)"] + [
    f"Author {n}" for n in range(999)
]
