"""The one Celery app. It reads the CELERY_* Django settings and finds each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sideways.settings")

app = Celery("sideways")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
