"""`manage.py import_papers`: files in, one summary line out, bad lines reported."""

import datetime as dt
import gzip
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.management.commands.import_papers import MAX_LINE_BYTES
from papers.models import Paper, PaperTopic
from tests.factories import make_paper


def paper_line(arxiv_id: str, **fields: object) -> str:
    record: dict[str, object] = {
        "id": arxiv_id,
        "title": f"On problem {arxiv_id}",
        "abstract": f"We solve problem {arxiv_id} and report what we found.",
        "categories": ["cs.LG", "stat.ML"],
        "authors": ["Ada Lovelace"],
        "published": None,
        "listed": "2025-10-20",
        "sources": ["daily-dw"],
    }
    record.update(fields)
    return json.dumps(record)


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def import_papers(*args: str) -> tuple[str, str]:
    """Run the command; its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_papers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot() -> list[tuple[object, ...]]:
    papers = Paper.objects.values_list(
        "id",
        "arxiv_id",
        "title",
        "abstract",
        "authors",
        "published_on",
        "announced_on",
        "updated_at",
    )
    links = PaperTopic.objects.values_list(
        "id", "paper_id", "topic_id", "position", "announced_on"
    )
    return sorted(papers) + sorted(links)


def test_the_sample_imports_once_and_a_second_run_changes_nothing(
    db: None, sample_papers_file: Path
) -> None:
    out, _ = import_papers(str(sample_papers_file))
    before = snapshot()

    again, err = import_papers(str(sample_papers_file))

    assert out == "imported 1000, updated 0, unchanged 0, skipped 0\n"
    assert again == "imported 0, updated 0, unchanged 1000, skipped 0\n"
    assert "Nothing changed" in err
    assert snapshot() == before
    assert Paper.objects.count() == 1_000


def test_the_sample_papers_get_their_primary_topic_first(
    db: None, sample_papers_file: Path
) -> None:
    with sample_papers_file.open(encoding="utf-8") as file:
        first = json.loads(file.readline())

    import_papers(str(sample_papers_file))

    paper = Paper.objects.get(arxiv_id=first["id"])
    assert paper.ordered_topics[0].code == first["categories"][0]
    assert paper.title == first["title"]


def test_bad_lines_are_reported_with_file_and_line_and_good_ones_imported(
    db: None, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            paper_line("2501.00001"),
            "{this is not json",
            paper_line("2501.00002", title=""),
            "",
            paper_line("not-an-id"),
            "[]",
            paper_line("2501.00003", listed="20/10/2025"),
            paper_line("2501.00004"),
        ],
    )

    out, err = import_papers(str(path))

    assert out == "imported 2, updated 0, unchanged 0, skipped 5\n"
    assert f"{path}:2: not JSON" in err
    assert f"{path}:3: empty title" in err
    assert f"{path}:5: malformed arXiv id 'not-an-id'" in err
    assert f"{path}:6: not a JSON object but an array" in err
    assert f"{path}:7: bad listed date '20/10/2025' (expected YYYY-MM-DD)" in err
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {
        "2501.00001",
        "2501.00004",
    }


def test_a_line_too_long_to_hold_is_skipped_unread(db: None, tmp_path: Path) -> None:
    huge = paper_line("2501.00002", abstract="x" * (MAX_LINE_BYTES + 1))
    path = write_jsonl(
        tmp_path / "huge.jsonl",
        [paper_line("2501.00001"), huge, paper_line("2501.00003")],
    )

    out, err = import_papers(str(path))

    assert out == "imported 2, updated 0, unchanged 0, skipped 1\n"
    assert f"{path}:2: line longer than 16,777,216 bytes" in err


def test_unknown_categories_are_reported_once_each_with_their_count(
    db: None, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "old.jsonl",
        [
            paper_line("astro-ph/9901001", categories=["xx-ph"]),
            paper_line("astro-ph/9901002", categories=["xx-ph", "gr-qc"]),
            paper_line("alg-geom/9201001", categories=["yy-th", "math.AG"]),
        ],
    )

    out, err = import_papers(str(path))

    assert out == "imported 3, updated 0, unchanged 0, skipped 0\n"
    assert err.count("'xx-ph'") == 1
    assert "unknown category 'xx-ph' on 2 papers" in err
    assert "unknown category 'yy-th' on 1 paper:" in err
    # A paper with only unknown categories is still in the catalogue.
    assert Paper.objects.get(arxiv_id="astro-ph/9901001").ordered_topics == []


def test_a_versioned_id_is_stored_bare(db: None, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "v.jsonl", [paper_line("2501.01234v2")])

    import_papers(str(path))

    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2501.01234"]


def test_an_update_is_counted_and_keeps_the_earliest_listing_day(
    db: None, tmp_path: Path
) -> None:
    first = write_jsonl(tmp_path / "first.jsonl", [paper_line("2501.00001")])
    replaced = write_jsonl(
        tmp_path / "replaced.jsonl",
        [
            paper_line("2501.00001v2", title="Corrected title", listed="2026-01-05"),
        ],
    )
    import_papers(str(first))

    out, _ = import_papers(str(replaced))

    paper = Paper.objects.get()
    assert out == "imported 0, updated 1, unchanged 0, skipped 0\n"
    assert paper.title == "Corrected title"
    assert paper.announced_on == dt.date(2025, 10, 20)
    assert set(paper.topic_links.values_list("announced_on", flat=True)) == {
        dt.date(2025, 10, 20)
    }


def test_gzipped_files_are_read_too(db: None, tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write(paper_line("2501.00001") + "\n" + paper_line("2501.00002") + "\n")
    plain = write_jsonl(tmp_path / "more.jsonl", [paper_line("2501.00003")])

    out, _ = import_papers(str(path), str(plain))

    assert out == "imported 3, updated 0, unchanged 0, skipped 0\n"


def test_a_corrupt_gzip_stops_with_whole_batches_committed(
    db: None, tmp_path: Path
) -> None:
    path = tmp_path / "cut.jsonl.gz"
    lines = [paper_line(f"2501.{n:05d}") for n in range(3_000)]
    data = gzip.compress("\n".join(lines).encode())
    path.write_bytes(data[: len(data) * 2 // 3])

    with pytest.raises(CommandError, match="papers committed") as stopped:
        import_papers("--batch-size", "500", str(path))

    committed = Paper.objects.count()
    assert str(path) in str(stopped.value)
    assert committed > 0
    assert committed % 500 == 0
    assert f"{committed:,} papers committed" in str(stopped.value)
    assert PaperTopic.objects.count() == 2 * committed


def test_if_empty_skips_a_catalogue_that_has_papers(db: None, tmp_path: Path) -> None:
    make_paper()
    make_paper()
    path = write_jsonl(tmp_path / "p.jsonl", [paper_line("2501.00001")])

    out, _ = import_papers("--if-empty", str(path))

    assert out == "The catalogue already holds 2 papers; nothing imported.\n"
    assert Paper.objects.count() == 2


def test_if_empty_without_a_path_says_how_to_load_papers(db: None) -> None:
    out, _ = import_papers("--if-empty")

    assert out == (
        "No papers yet: run 'make run PAPERS=path/to/papers.jsonl.gz' "
        "or 'python manage.py import_papers PATH'.\n"
    )


def test_if_empty_imports_into_an_empty_catalogue(db: None, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [paper_line("2501.00001")])

    out, _ = import_papers("--if-empty", str(path))

    assert out == "imported 1, updated 0, unchanged 0, skipped 0\n"


def test_a_path_is_required_without_if_empty(db: None) -> None:
    with pytest.raises(CommandError, match="at least one PATH"):
        import_papers()


def test_a_missing_file_is_a_clear_error(db: None, tmp_path: Path) -> None:
    present = write_jsonl(tmp_path / "p.jsonl", [paper_line("2501.00001")])
    missing = tmp_path / "nowhere.jsonl.gz"

    with pytest.raises(CommandError, match=re.escape(f"{missing}: no such file")):
        import_papers(str(present), str(missing))

    # Checked before anything is imported.
    assert Paper.objects.count() == 0


def test_an_unsupported_file_type_is_refused(db: None, tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text("id,title\n")

    with pytest.raises(CommandError, match=re.escape("not a .jsonl, .jsonl.gz, .xml")):
        import_papers(str(path))
