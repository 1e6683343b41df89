"""Full-text search on PostgreSQL: a trigger fills Paper.search_vector on every
insert or text change (whatever writes it: import, admin, fetchers), and a GIN
index serves the @@ matches. Title outranks abstract, which outranks authors.
SQLite has no tsvector, so there this migration does nothing."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION papers_paper_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.abstract, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.authors::text, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER papers_paper_search_vector_update
    BEFORE INSERT OR UPDATE OF title, abstract, authors ON papers_paper
    FOR EACH ROW EXECUTE FUNCTION papers_paper_search_vector();

UPDATE papers_paper SET title = title;

CREATE INDEX paper_search_gin ON papers_paper USING gin (search_vector);
"""

BACKWARD = """
DROP INDEX IF EXISTS paper_search_gin;
DROP TRIGGER IF EXISTS papers_paper_search_vector_update ON papers_paper;
DROP FUNCTION IF EXISTS papers_paper_search_vector();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("papers", "0002_load_topics")]
    operations = [migrations.RunPython(forward, backward)]
