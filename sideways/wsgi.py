"""WSGI entry point (Django's runserver; the served site runs over ASGI, see sideways.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sideways.settings")
application = get_wsgi_application()
