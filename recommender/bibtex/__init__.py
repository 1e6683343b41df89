"""BibTeX read and written: a reader's uploaded .bib seeds their likes, and
their likes export as a .bib. Pure: no Django. bibtexparser splits and
writes the file, pylatexenc turns LaTeX into text, `papers.arxiv_ids` reads
the ids.

- `reading`: a file's entries, within hard limits whatever it says;
- `latex`: LaTeX to plain text, bounded in depth and time;
- `entries`: the arXiv id and the title an entry names;
- `writing`: liked papers as entries with readable, unique keys.
"""
