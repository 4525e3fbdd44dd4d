from django.db import models
from django.utils.translation import gettext_lazy as _


class SingleRowSettings(models.Model):
    """Settings kept in one row (pk 1) that an administrator edits."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls):
        """The saved settings, or the defaults (never written on a read) before an admin saves any."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class InstanceSettings(SingleRowSettings):
    """What the about page tells viewers; a single row an admin edits in the Django admin."""

    short_description = models.CharField(_("short description"), max_length=250, blank=True)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    admin_email = models.EmailField(_("administrator contact email"), blank=True)

    class Meta:
        verbose_name = _("instance settings")
        verbose_name_plural = _("instance settings")
