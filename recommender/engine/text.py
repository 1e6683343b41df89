"""The corpus-wide TF-IDF index: vocabulary, idf weights and an LSA projection.

Fitted once on the catalogue (on a sample when it is large) and versioned; new
papers are vectorized with the same vocabulary without a refit. Serialised as
JSON and raw numpy arrays, never pickled.
"""

import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

# Words of two or more characters starting with a letter: drops numbers and
# one-letter symbols, keeps terms like "gpt4".
WORD_RE = re.compile(r"[a-z][a-z0-9]+")
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)

# LaTeX to the words a reader reads, for the index: maths, whose letters and
# command names are no words ($...$, $$...$$, \(...\), \[...\]); accents on
# one letter (\'e, \"{u}, \c{c}), whose letter stays; environments' begin and
# end; and every other command's name (its argument's words stay). A regular
# pass, not a LaTeX parser: pylatexenc took 187 s for the 25,410 abstracts of
# the catalogue that hold LaTeX (0.2 MB/s), longer than fitting the whole
# index, and tokens need no more than this.
_MATH_RE = re.compile(
    r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]"
    r"|\\begin\{(equation|align|eqnarray|gather|multline|displaymath|math)(\*?)\}"
    r".*?\\end\{\1\2\}",
    re.DOTALL,
)
_ACCENT_RE = re.compile(
    r"\\[`'^\"~=.]\s*\{?\\?([A-Za-z])\}?|\\[uvHckbdrt](?:\{\\?([A-Za-z])\}|\s+([A-Za-z]))"
)
_COMMAND_RE = re.compile(r"\\(?:begin|end)\s*\{[^}]*\}|\\[A-Za-z]+\*?|\\.")


@dataclass(frozen=True)
class IndexParams:
    """How an index is fitted. The defaults are the ones chosen by evaluation."""

    min_df: int = 2
    max_df: float = 0.5
    max_terms: int = 200_000
    lsa_dims: int = 200
    sample_size: int = 50_000
    seed: int = 0
    # 1: single words. 2: also pairs of adjacent words ("dark matter"), which
    # doubles the time to build; meaningless on bag-of-words corpora.
    ngrams: int = 1


# A word in more than this share of papers is too common to be why a paper
# matches, or to name a reader's interest: in the 106k-paper catalogue
# "based" is in 43% of papers, "task" 16%, "use" 11%, while "networks" (6%),
# "neural" (7%) and "graph" (5%) still say something. It is still a word of
# the index and of every score; it is only never shown.
NAMED_MAX_SHARE = 0.1


@dataclass(frozen=True)
class Index:
    version: str
    params: IndexParams
    terms: tuple[str, ...]  # column order
    idf: np.ndarray  # (n_terms,) float32
    lsa: np.ndarray  # (lsa_dims, n_terms) float32: rows of the LSA projection

    @property
    def n_terms(self) -> int:
        return len(self.terms)

    @property
    def named(self) -> np.ndarray:
        """Which terms may be shown to a reader: those of at most
        NAMED_MAX_SHARE of the papers (idf = ln((1+n)/(1+df)) + 1)."""
        return np.asarray(self.idf >= 1 + np.log(1 / NAMED_MAX_SHARE))


def paper_text(title: str, abstract: str) -> str:
    """What the index reads of a paper: the app, the evaluation and the
    benchmarks all build it here. Not its authors: a surname is no topic, and
    it would be offered as one on the interests page and in "why" lines."""
    return f"{title}\n{abstract}"


def plain_text(text: str) -> str:
    """`text` without LaTeX markup or accents: the words of its prose, folded
    to ASCII ("Djoković's \\emph{partial} $\\mathcal{C}$ cubes" -> "Djokovic's
    partial  cubes")."""
    if "\\" in text or "$" in text:
        text = _MATH_RE.sub(" ", text)
        text = _ACCENT_RE.sub(lambda m: m.group(1) or m.group(2) or m.group(3), text)
        text = _COMMAND_RE.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text


def tokenize(text: str, ngrams: int = 1) -> list[str]:
    """Lower-cased words of the prose (see `plain_text`) without English stop
    words (and word pairs if asked)."""
    text = plain_text(text).lower()
    words = [w for w in WORD_RE.findall(text) if w not in STOP_WORDS]
    if ngrams >= 2:
        words += [f"{a} {b}" for a, b in pairwise(words)]
    return words


def build_index(texts: Sequence[str], *, version: str, params: IndexParams) -> Index:
    """Fit the vocabulary, idf and LSA projection on (a sample of) `texts`."""
    rng = np.random.default_rng(params.seed)
    if len(texts) > params.sample_size:
        chosen = np.sort(rng.choice(len(texts), params.sample_size, replace=False))
        sample = [texts[i] for i in chosen]
    else:
        sample = list(texts)
    n = len(sample)
    # Each sample text is read once: its words as ids of the words seen so
    # far, which give the document frequencies here and the rows the LSA is
    # fitted on below (reading the sample twice was a fifth of the build).
    seen: dict[str, int] = {}
    words = [
        np.fromiter(
            (seen.setdefault(w, len(seen)) for w in tokenize(text, params.ngrams)),
            dtype=np.int64,
        )
        for text in sample
    ]
    counts = np.bincount(
        np.concatenate([np.unique(w) for w in words] or [np.zeros(0, np.int64)]),
        minlength=len(seen),
    )
    max_count = params.max_df * n
    kept = [
        (int(counts[i]), term)
        for term, i in seen.items()
        if params.min_df <= counts[i] <= max_count
    ]
    # Most frequent first when capped, then alphabetical for a stable order.
    kept.sort(key=lambda item: (-item[0], item[1]))
    kept = sorted(kept[: params.max_terms], key=lambda item: item[1])
    terms = tuple(term for _, term in kept)
    df = np.array([count for count, _ in kept], dtype=np.float64)
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    index = Index(
        version=version,
        params=params,
        terms=terms,
        idf=idf,
        lsa=np.zeros((0, len(terms)), dtype=np.float32),
    )
    dims = min(params.lsa_dims, max(len(terms) - 1, 0), max(n - 1, 0))
    if dims > 0:
        svd = TruncatedSVD(
            dims, algorithm="randomized", n_iter=5, random_state=params.seed
        )
        column = np.full(len(seen), -1, dtype=np.int32)
        column[[seen[term] for term in terms]] = np.arange(len(terms))
        rows = [c[c >= 0] for c in (column[w] for w in words)]
        indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
        svd.fit(_tfidf(index, np.concatenate(rows), indptr))
        index = Index(
            version=version,
            params=params,
            terms=terms,
            idf=idf,
            lsa=svd.components_.astype(np.float32),
        )
    return index


def vectorize(index: Index, texts: Iterable[str]) -> sparse.csr_matrix:
    """l2-normalised sublinear TF-IDF rows (float32) in the index's vocabulary."""
    column = {term: i for i, term in enumerate(index.terms)}
    indptr = [0]
    indices: list[int] = []
    for text in texts:
        indices.extend(
            c
            for c in map(column.get, tokenize(text, index.params.ngrams))
            if c is not None
        )
        indptr.append(len(indices))
    return _tfidf(index, np.asarray(indices, dtype=np.int32), np.asarray(indptr))


def _tfidf(index: Index, indices: np.ndarray, indptr: np.ndarray) -> sparse.csr_matrix:
    """The TF-IDF rows of texts given as the columns of their words in order:
    row i's are `indices[indptr[i]:indptr[i + 1]]`."""
    # Each occurrence counts one; summing the duplicates of a row gives the
    # term counts, sorted by term. A Counter per paper took half the time of
    # vectorizing the catalogue (10 of 23 s in cProfile), this takes 1.
    counts = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr),
        shape=(len(indptr) - 1, index.n_terms),
        dtype=np.float32,
    )
    counts.sum_duplicates()
    counts.data = (1 + np.log(counts.data)) * index.idf[counts.indices]
    return normalize(counts, copy=False)


def project(index: Index, vectors: sparse.csr_matrix) -> np.ndarray:
    """Dense, l2-normalised LSA coordinates of TF-IDF rows (float32)."""
    if index.lsa.shape[0] == 0:
        return np.zeros((vectors.shape[0], 0), dtype=np.float32)
    dense = np.asarray(vectors @ index.lsa.T, dtype=np.float32)
    return np.asarray(normalize(dense, copy=False), dtype=np.float32)


def index_to_bytes(index: Index) -> bytes:
    meta = json.dumps(
        {"version": index.version, "params": asdict(index.params), "terms": index.terms}
    )
    buffer = io.BytesIO()
    np.savez(
        buffer,
        meta=np.frombuffer(meta.encode(), dtype=np.uint8),
        idf=index.idf,
        lsa=index.lsa,
    )
    return buffer.getvalue()


def index_from_bytes(data: bytes) -> Index:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        meta = json.loads(arrays["meta"].tobytes().decode())
        return Index(
            version=meta["version"],
            params=IndexParams(**meta["params"]),
            terms=tuple(meta["terms"]),
            idf=arrays["idf"].astype(np.float32),
            lsa=arrays["lsa"].astype(np.float32),
        )
