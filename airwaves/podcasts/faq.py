"""Questions and answers about an episode, generated from its stored fields.

Rule: never state what the data does not hold. A question whose answer is unknown
is left out; audio that is missing is said to be missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from airwaves.lib.dates import format_date
from airwaves.lib.durations import format_duration, human_duration
from airwaves.podcasts.models import Episode


@dataclass(frozen=True, slots=True)
class Question:
    question: str
    answer: str  # a full sentence, for "Questions About This Episode" and FAQPage
    label: str  # what is asked, in a word or two, for "Quick Answers"
    short: str  # the answer in a few words, for "Quick Answers"


def episode_questions(episode: Episode, *, related_count: int) -> list[Question]:
    title = episode.title
    podcast = episode.podcast
    author = episode.author or podcast.author
    questions: list[Question] = []

    if episode.summary:
        questions.append(
            Question(f"What is {title} about?", episode.summary, "About", episode.summary)
        )

    by = f" by {author}" if author else ""
    questions.append(
        Question(
            f"Which podcast is {title} from?",
            f"{title} is an episode of {podcast.title}{by}.",
            "Podcast",
            podcast.title,
        )
    )

    if episode.duration:
        questions.append(
            Question(
                "How long is this episode?",
                f"{title} is {human_duration(episode.duration)} long "
                f"({format_duration(episode.duration)}).",
                "Length",
                format_duration(episode.duration),
            )
        )

    if episode.published_at:
        date = format_date(episode.published_at)
        questions.append(
            Question(
                "When was this episode published?",
                f"{title} was published on {date}.",
                "Published",
                date,
            )
        )

    if episode.has_audio:
        questions.append(
            Question(
                f"Can I listen to {title} online?",
                "Yes. Press play in the Listen Online section to stream it in your browser.",
                "Audio",
                "Available",
            )
        )
    else:
        questions.append(
            Question(
                f"Can I listen to {title} online?",
                f"Audio is not available for this episode: the feed of {podcast.title} "
                "does not include an audio file for it.",
                "Audio",
                "Not available",
            )
        )

    questions.append(
        Question(
            f"Can I save {title} for later?",
            "Yes. Use the heart button on this page to add it to your favourite episodes list.",
            "Save for later",
            "Yes, with the heart button",
        )
    )

    if related_count:
        more = "episode" if related_count == 1 else "episodes"
        questions.append(
            Question(
                f"Are there related episodes from {podcast.title}?",
                f"Yes. {related_count} more {more} from {podcast.title} "
                "are listed under Related Episodes on this page.",
                "Related episodes",
                f"{related_count} more from {podcast.title}",
            )
        )
    return questions
