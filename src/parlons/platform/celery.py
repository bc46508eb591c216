"""Celery application: background work goes through Redis (REDIS_URL).

Run a worker with ``celery -A parlons.platform worker``. Without REDIS_URL, tasks run
in-process (eager), which is what the SQLite demo does.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.platform.settings")
app = Celery("parlons")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
