"""The Apple Podcasts category tree, and feeds' own category names mapped onto it.

Feeds name categories as `itunes:category` values ("Technology", "Technology > Tech
News"), often from Apple's tree as it was before 2019 ("Games & Hobbies", "Science &
Medicine"), sometimes misspelled or with "and" for "&". `tree_path(name)` maps any of
these onto the current tree, or returns None for a name it does not know; the category
pages are built on the tree only, so one show's odd spelling never makes a page of its
own.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

from airwaves.lib.slugs import slugify

if TYPE_CHECKING:
    from airwaves.podcasts.models import Category

# Apple Podcasts categories (https://podcasters.apple.com/support/1691-apple-podcasts-categories).
APPLE_TREE: dict[str, tuple[str, ...]] = {
    "Arts": (
        "Books",
        "Design",
        "Fashion & Beauty",
        "Food",
        "Performing Arts",
        "Visual Arts",
    ),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}


class TreePath(NamedTuple):
    """A place in the tree: a top-level category, and maybe one of its subcategories."""

    top: str
    sub: str | None = None


# Names from Apple's tree before 2019 and other spellings feeds use, by their key()
# ("Parent > Child" or a bare name), onto today's tree.
LEGACY: dict[str, TreePath] = {
    "games hobbies": TreePath("Leisure"),
    "games hobbies > automotive": TreePath("Leisure", "Automotive"),
    "games hobbies > aviation": TreePath("Leisure", "Aviation"),
    "games hobbies > hobbies": TreePath("Leisure", "Hobbies"),
    "games hobbies > other games": TreePath("Leisure", "Games"),
    "games hobbies > video games": TreePath("Leisure", "Video Games"),
    "science medicine": TreePath("Science"),
    "science medicine > medicine": TreePath("Health & Fitness", "Medicine"),
    "science medicine > natural sciences": TreePath("Science", "Natural Sciences"),
    "science medicine > social sciences": TreePath("Science", "Social Sciences"),
    "technology > podcasting": TreePath("Technology"),
    "technology > gadgets": TreePath("Technology"),
    "technology > tech news": TreePath("News", "Tech News"),
    "technology > software how to": TreePath("Education", "How To"),
    "business > business news": TreePath("News", "Business News"),
    "business > shopping": TreePath("Business"),
    "business > management marketing": TreePath("Business", "Management"),
    "education > educational technology": TreePath("Education"),
    "education > higher education": TreePath("Education", "Courses"),
    "education > k 12": TreePath("Kids & Family", "Education for Kids"),
    "education > language courses": TreePath("Education", "Language Learning"),
    "education > training": TreePath("Education", "How To"),
    "health": TreePath("Health & Fitness"),
    "health > alternative health": TreePath("Health & Fitness", "Alternative Health"),
    "health > fitness nutrition": TreePath("Health & Fitness", "Fitness"),
    "health > self help": TreePath("Education", "Self-Improvement"),
    "health > sexuality": TreePath("Health & Fitness", "Sexuality"),
    "news politics": TreePath("News"),
    "government organizations": TreePath("Government"),
    "government organizations > non profit": TreePath("Business", "Non-Profit"),
    "government organizations > local": TreePath("Government"),
    "government organizations > regional": TreePath("Government"),
    "government organizations > national": TreePath("Government"),
    "religion spirituality > other": TreePath("Religion & Spirituality"),
    "society culture > history": TreePath("History"),
    "sports recreation": TreePath("Sports"),
    "sports recreation > amateur": TreePath("Sports"),
    "sports recreation > college high school": TreePath("Sports"),
    "sports recreation > outdoor": TreePath("Sports", "Wilderness"),
    "sports recreation > professional": TreePath("Sports"),
    "arts > literature": TreePath("Arts", "Books"),
    "arts > food": TreePath("Arts", "Food"),
    "film tv": TreePath("TV & Film"),
    "tv film": TreePath("TV & Film"),
    "tv films": TreePath("TV & Film"),
    "film": TreePath("TV & Film"),
    "tech": TreePath("Technology"),
    "technolgy": TreePath("Technology"),
    "techology": TreePath("Technology"),
    "comedy > standup": TreePath("Comedy", "Stand-Up"),
    "kids": TreePath("Kids & Family"),
    "religion": TreePath("Religion & Spirituality", "Religion"),
    "spirituality": TreePath("Religion & Spirituality", "Spirituality"),
    "true crimes": TreePath("True Crime"),
    "crime": TreePath("True Crime"),
    "society": TreePath("Society & Culture"),
    "culture": TreePath("Society & Culture"),
}

MAX_NAME_LENGTH = 200


def key(name: str) -> str:
    """The comparable form of a category name: case, accents, "&"/"and" and
    punctuation ignored ("Society and Culture" == "Society & Culture")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"\band\b", " ", text.lower().replace("&amp;", " ").replace("&", " "))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _index() -> dict[str, TreePath]:
    paths: dict[str, TreePath] = {}
    for top, subs in APPLE_TREE.items():
        paths[key(top)] = TreePath(top)
        for sub in subs:
            paths[f"{key(top)} > {key(sub)}"] = TreePath(top, sub)
    # A subcategory named on its own ("Tech News") is found too, when no top-level
    # category has that name.
    for path in list(paths.values()):
        if path.sub is not None:
            paths.setdefault(key(path.sub), path)
    paths.update(LEGACY)
    return paths


PATHS = _index()


def tree_path(name: str) -> TreePath | None:
    """Where a feed's category name ("Parent" or "Parent > Child") sits in the tree,
    or None for a name the tree does not know. An unknown child of a known parent
    maps onto the parent."""
    if len(name) > MAX_NAME_LENGTH:
        return None
    parts = [key(part) for part in name.split(">")]
    parts = [part for part in parts if part]
    if not parts or len(parts) > 2:
        return None
    whole = " > ".join(parts)
    if whole in PATHS:
        return PATHS[whole]
    parent = PATHS.get(parts[0]) if len(parts) == 2 else None
    # "Technology > Something New": a show of the parent's, as far as the tree knows.
    return parent if parent is not None and parent.sub is None else None


def is_tree_name(name: str, parent_name: str | None) -> bool:
    """Whether a category named so (under a parent so named) is a node of the tree as
    it stands, spelt as Apple spells it."""
    if parent_name is None:
        return name in APPLE_TREE
    return name in APPLE_TREE.get(parent_name, ())


def category_slug(path: TreePath) -> str:
    """The slug of a tree category: "technology", "news-tech-news"."""
    return slugify(f"{path.top} {path.sub}" if path.sub else path.top, 110)


def tree_paths() -> list[TreePath]:
    """Every category of the tree, parents before their children."""
    paths = [TreePath(top) for top in APPLE_TREE]
    paths += [TreePath(top, sub) for top, subs in APPLE_TREE.items() for sub in subs]
    return paths


def tree_category(path: TreePath) -> Category:
    """The Category row of a place in the tree, made (with its parent) if missing."""
    from airwaves.podcasts.models import Category

    parent = None
    if path.sub is not None:
        parent = tree_category(TreePath(path.top))
    name = path.sub if path.sub is not None else path.top
    category = Category.objects.filter(name=name, parent=parent).first()
    if category is None:
        slug = category_slug(path)
        if Category.objects.filter(slug=slug).exists():
            slug = f"{slug}-{Category.objects.count() + 1}"
        category, _ = Category.objects.get_or_create(
            name=name, parent=parent, defaults={"slug": slug, "in_tree": True}
        )
    if not category.in_tree:
        Category.objects.filter(pk=category.pk).update(in_tree=True)
        category.in_tree = True
    return category


def categories_for(names: list[str]) -> list[Category]:
    """The tree categories of a feed's category names, in the feed's order, each
    subcategory preceded by its parent (a show in "Tech News" is a "News" show), names
    the tree does not know left out."""
    found: dict[TreePath, None] = {}
    for name in names:
        path = tree_path(name)
        if path is None:
            continue
        if path.sub is not None:
            found.setdefault(TreePath(path.top))
        found.setdefault(path)
    return [tree_category(path) for path in found]
