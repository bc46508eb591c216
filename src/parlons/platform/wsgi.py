"""WSGI entry point (gunicorn parlons.platform.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.platform.settings")
application = get_wsgi_application()
