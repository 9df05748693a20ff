"""The account settings page's API tokens: made and revoked by the listener."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from airwaves.api.models import ApiToken
from airwaves.api.tokens import TokenLimitReached, create_token, revoke_token


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="To tell your tokens apart, e.g. “phone”")
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)


@login_required
@require_POST
def create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A token needs a name of at most 100 characters and a scope.")
        return redirect("account-settings")
    try:
        row, token = create_token(
            request.user, form.cleaned_data["name"], form.cleaned_data["scope"]
        )
    except TokenLimitReached as error:
        messages.error(request, str(error))
        return redirect("account-settings")
    # The token is shown on this answer only: it is stored as a digest.
    response = render(request, "api/token_created.html", {"row": row, "token": token})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def revoke(request, token_id: int):
    if revoke_token(request.user, token_id):
        messages.success(request, "The token was revoked: programs using it can no longer sign in.")
    else:
        messages.error(request, "You have no such token.")
    return redirect("account-settings")
