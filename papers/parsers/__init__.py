"""Pure parsers for the three paper sources: bytes in, validated records out.

- `atom.parse_atom`: the arXiv API (export.arxiv.org/api/query), Atom 1.0, in
  both the 2016 layout (namespaces declared on each element) and the current one.
- `oai.parse_oai`: arXiv's OAI-PMH ListRecords (or GetRecord) with
  metadataPrefix=arXiv.
- `hf.parse_hf_daily`: Hugging Face's huggingface.co/api/daily_papers JSON.
- `saved.parse_saved`: a saved response of any of the three, told by its content.

Every paper goes through `papers.records.build_record`, so each source produces
the same `PaperRecord` that `papers.ingest.upsert_papers` writes. A paper that
fails validation is reported in the page's `errors` ("entry N: reason") and
skipped; a response that is not what was asked for raises a `FetchError`
(`errors`), so a fetcher can tell "some papers were bad" from "this page is
unusable".

No network, no ORM, no settings, and no Django import at all: these modules
import only the standard library, defusedxml, `papers.records` and
`papers.arxiv_ids` (a test checks it).
"""
