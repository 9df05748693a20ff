from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
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


def invalid_login_error(form: AuthenticationForm) -> forms.ValidationError:
    """The limiter's refusal, when the authentication backend refused to check the
    password (listeners/backends.py), else Django's "wrong username or password"."""
    refusal = getattr(form.request, ratelimit.REFUSAL_ATTRIBUTE, None)
    if refusal is not None:
        return forms.ValidationError(refusal.message, code="rate_limited")
    return AuthenticationForm.get_invalid_login_error(form)


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Django's log-in form, saying so when the log-in limits refused to check the
    password. The limiting itself is in the authentication backend."""

    def get_invalid_login_error(self):
        return invalid_login_error(self)


class RateLimitedAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's log-in form, with the same message (the admin is limited by the same
    backend)."""

    def get_invalid_login_error(self):
        return invalid_login_error(self)


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
