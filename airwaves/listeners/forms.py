from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User

from airwaves.listeners import ratelimit

# Largest OPML upload accepted; subscription lists of thousands of shows are far smaller.
OPML_MAX_BYTES = 5 * 1024 * 1024


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=False,
        help_text="Optional. Only used to send you a link if you forget your password.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing to check passwords for a username or client
    address with too many recent failures (see ratelimit.py)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        uses = ratelimit.login_uses(username, ratelimit.client_address(self.request))
        refusal = ratelimit.limit(*uses)
        if refusal:
            raise forms.ValidationError(refusal.message, code="rate_limited")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username and self.cleaned_data.get("password"):
                ratelimit.record(*uses)
            raise
        ratelimit.forget(ratelimit.Action.LOGIN_USERNAME, username)
        return cleaned


class EmailForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email",)
        help_texts = {"email": "Used only to send you a link if you forget your password."}


class OpmlUploadForm(forms.Form):
    file = forms.FileField(
        label="OPML file",
        help_text="Exported from AntennaPod, Pocket Casts, Overcast or another podcast app.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > OPML_MAX_BYTES:
            raise forms.ValidationError(
                f"This file is {upload.size // 1024 // 1024} MB; OPML files larger than "
                f"{OPML_MAX_BYTES // 1024 // 1024} MB are not accepted."
            )
        return upload
