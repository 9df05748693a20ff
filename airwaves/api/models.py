from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A listener's personal API token, sent as `Authorization: Bearer <token>`.

    Only a digest of the token is stored: the token itself is shown once, when it is
    made. Tokens are 32 random bytes, so a plain SHA-256 is as good as a slow hash
    (there is no dictionary to try). `prefix` is the token's first characters, shown on
    the settings page so a listener can tell their tokens apart.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_by_user")]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}… ({self.scope})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
