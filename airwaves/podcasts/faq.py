"""The episode page's sentences and its questions and answers, generated from stored fields.

The wording and order are those of the public directory page the site reproduces.
Rule: never state what the data does not hold. A part of a sentence whose fact is unknown
is left out, a question whose answer is unknown is left out, and audio that is missing is
said to be missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from airwaves.lib.dates import format_date
from airwaves.lib.durations import format_duration, human_duration
from airwaves.lib.sanitize import html_to_text
from airwaves.podcasts.models import Episode


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    answer: str  # a full sentence, shown on the page and in the FAQPage JSON-LD


@dataclass(frozen=True, slots=True)
class EpisodeText:
    """What the episode page says in sentences, and its two lists of questions."""

    intro: str  # "<episode> is an episode from <show> by <author>."
    summary_in_notes: bool  # the show notes begin with the summary: About shows it once
    details: str  # "Published Apr 15, 2026, 00:09:48 long, audio available."
    questions: list[Question]  # Questions About This Episode
    quick: list[Question]  # Quick Answers About This Episode

    @property
    def all_questions(self) -> list[Question]:
        """Both lists in page order: the FAQPage JSON-LD is exactly what the page shows."""
        return [*self.questions, *self.quick]


def show_by_author(episode: Episode) -> str:
    """ "The Backend Engineering Show with Hussein Nasser by Hussein Nasser", or the show
    alone when no author is known."""
    author = episode.author or episode.podcast.author
    return f"{episode.podcast.title} by {author}" if author else episode.podcast.title


def details_sentence(episode: Episode) -> str:
    parts = []
    if episode.published_at:
        parts.append(f"published {format_date(episode.published_at)}")
    if episode.duration:
        parts.append(f"{format_duration(episode.duration)} long")
    parts.append("audio available" if episode.has_audio else "audio not available")
    sentence = ", ".join(parts) + "."
    return sentence[0].upper() + sentence[1:]


def notes_begin_with_summary(summary: str, notes_html: str) -> bool:
    """True when the show notes start with the summary's words (a feed's summary is
    often the first lines of its notes, or our own cut of them, ending in "…")."""
    wanted = " ".join(summary.removesuffix("…").split())
    if not wanted or not notes_html:
        return False
    notes = " ".join(html_to_text(notes_html, len(wanted) + 200).split())
    return notes.startswith(wanted)


def episode_text(episode: Episode, *, related_count: int) -> EpisodeText:
    title = episode.title
    show = episode.podcast.title
    from_show = show_by_author(episode)
    intro = f"{title} is an episode from {from_show}."
    details = details_sentence(episode)
    questions: list[Question] = []

    if episode.summary:
        questions.append(Question(f"What is {title} about?", episode.summary))

    if episode.has_audio:
        listen = f"You can stream {title} online with the player on this page."
        listen_short = "On this page: use the player under Listen Online."
    else:
        listen = (
            f"Audio is not available for this episode: the feed of {show} "
            "does not include an audio file for it."
        )
        listen_short = "Audio is not available for this episode."
    questions.append(Question(f"Where can I listen to {title}?", listen))

    questions.append(Question(f"Which podcast is {title} from?", intro))

    if episode.duration:
        questions.append(
            Question(
                "How long is this episode?",
                f"{title} is {human_duration(episode.duration)} long "
                f"({format_duration(episode.duration)}).",
            )
        )

    if episode.published_at:
        questions.append(
            Question(
                "When was this episode published?",
                f"{title} was published on {format_date(episode.published_at)}.",
            )
        )

    questions.append(
        Question(
            f"Can I save {title} for later?",
            "Yes. Use the heart button on this page to add it to your favourite episodes list.",
        )
    )

    if related_count:
        more = "episode" if related_count == 1 else "episodes"
        questions.append(
            Question(
                f"Are there related episodes from {show}?",
                f"Yes. {related_count} more {more} from {show} "
                "are listed under Related Episodes on this page.",
            )
        )

    quick = [
        Question(f"Where can I listen to {title}?", listen_short),
        Question("Which podcast is this episode from?", f"{from_show}."),
        Question("What are the episode details?", details),
    ]
    return EpisodeText(
        intro=intro,
        summary_in_notes=notes_begin_with_summary(episode.summary, episode.description),
        details=details,
        questions=questions,
        quick=quick,
    )
