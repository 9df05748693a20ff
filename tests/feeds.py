"""Builds small RSS feeds for tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass
class Item:
    title: str
    guid: str = ""
    pub_date: str = "Wed, 15 Apr 2026 14:00:00 GMT"
    description: str = ""
    enclosure: str = ""
    duration: str = ""

    def xml(self) -> str:
        parts = [f"<title>{escape(self.title)}</title>"]
        if self.guid:
            parts.append(f'<guid isPermaLink="false">{escape(self.guid)}</guid>')
        if self.pub_date:
            parts.append(f"<pubDate>{self.pub_date}</pubDate>")
        if self.description:
            parts.append(f"<description>{escape(self.description)}</description>")
        if self.enclosure:
            parts.append(
                f'<enclosure url="{escape(self.enclosure)}" length="1000" type="audio/mpeg"/>'
            )
        if self.duration:
            parts.append(f"<itunes:duration>{self.duration}</itunes:duration>")
        return "<item>" + "".join(parts) + "</item>"


@dataclass
class Feed:
    title: str = "Test Show"
    author: str = "Test Author"
    category: str = "Technology"
    items: list[Item] = field(default_factory=list)

    def xml(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
            f"<channel><title>{escape(self.title)}</title><link>https://example.com/</link>"
            "<description>A show for tests.</description>"
            f"<itunes:author>{escape(self.author)}</itunes:author>"
            f'<itunes:category text="{escape(self.category)}"/>'
            + "".join(item.xml() for item in self.items)
            + "</channel></rss>"
        ).encode()


def three_episode_feed(title: str = "Test Show") -> Feed:
    return Feed(
        title=title,
        items=[
            Item(
                "Third",
                "g3",
                "Wed, 15 Apr 2026 14:00:00 GMT",
                "Newest.",
                "https://cdn.example.com/3.mp3",
                "00:09:48",
            ),
            Item(
                "Second",
                "g2",
                "Wed, 08 Apr 2026 14:00:00 GMT",
                "Middle.",
                "https://cdn.example.com/2.mp3",
                "20:00",
            ),
            Item(
                "First",
                "g1",
                "Wed, 01 Apr 2026 14:00:00 GMT",
                "Oldest.",
                "https://cdn.example.com/1.mp3",
                "600",
            ),
        ],
    )
