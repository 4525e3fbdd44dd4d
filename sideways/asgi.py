"""ASGI entry point: uvicorn serves `sideways.asgi:application` (scripts/web); see sideways.asgi_handler."""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sideways.settings")
django.setup(set_prefix=False)

from sideways.asgi_handler import Handler  # noqa: E402 (needs the settings loaded above)

application = Handler()
