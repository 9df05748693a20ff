from __future__ import annotations

from django import template

from airwaves.listeners import favourites, playback

register = template.Library()

# Inclusion tags get a fresh context: `request` is passed on for the templates'
# "next" fields (Django passes `csrf_token` on by itself).


@register.inclusion_tag("listeners/heart.html", takes_context=True)
def heart_button(context, episode):
    request = context["request"]
    return {**favourites.heart_context(request, episode), "request": request}


@register.inclusion_tag("listeners/follow_button.html", takes_context=True)
def follow_button(context, podcast):
    request = context["request"]
    return {**favourites.follow_context(request, podcast), "request": request}


@register.inclusion_tag("listeners/resume.html", takes_context=True)
def resume_offer(context, episode):
    """ "You stopped at 12:34": resume or start over, on the episode page."""
    state = playback.play_state(context["request"], episode) if episode.has_audio else None
    return {"episode": episode, "play": state}


@register.inclusion_tag("listeners/continue_listening.html", takes_context=True)
def continue_listening(context):
    return {"items": playback.continue_listening(context["request"])}
