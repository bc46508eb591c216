"""The ``unaccent`` extension for the French full-text search (PostgreSQL only; no-op elsewhere)."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]
    operations = [UnaccentExtension()]
