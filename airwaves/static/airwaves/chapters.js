// Chapters and transcripts on episode pages (templates/podcasts/_chapters.html and
// _transcript.html), wired to the player bar (player.js):
// - a click on a chapter or a transcript line plays the episode from there;
// - the line and the chapter being played are highlighted, and the bar names the chapter;
// - a shared link's ?t=SECONDS (or ?t=1:30) loads the episode at that second, paused.
// The bar survives boosted navigation, so the chapters of every episode page seen since
// the last full load are remembered: the bar keeps naming the chapter on other pages.
(function () {
  "use strict";

  const chaptersOf = new Map(); // episode id -> [{start, end, title}] by start
  let lines = []; // this page's timed transcript lines: [{start, end, el}] by start
  let transcriptFor = null; // the episode id those lines belong to
  let lit = null; // the highlighted line
  let litChapter = null; // the highlighted chapter entry

  const bar = () => document.getElementById("player");
  const audio = () => document.getElementById("player-audio");
  const playing = () => (bar() && bar().dataset.current) || null;

  function playButton(episodeId) {
    return document.querySelector(
      `[data-player-play][data-episode-id="${CSS.escape(String(episodeId))}"]`
    );
  }

  // Asks player.js to play (or load, paused) the episode from `start` seconds.
  function ask(episodeId, start, paused) {
    const button = playButton(episodeId);
    if (!button) return false;
    document.dispatchEvent(new CustomEvent("airwaves:play", { detail: { button, start, paused } }));
    return true;
  }

  function timed(elements) {
    return elements
      .map((el) => ({
        start: Number(el.dataset.start),
        end: el.dataset.end ? Number(el.dataset.end) : Infinity,
        el,
      }))
      .filter((entry) => Number.isFinite(entry.start))
      .sort((a, b) => a.start - b.start);
  }

  // The entry of `entries` (by start) playing at `time`, or null.
  function entryAt(entries, time) {
    let low = 0;
    let high = entries.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (entries[middle].start <= time) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (found < 0) return null;
    const entry = entries[found];
    const next = entries[found + 1];
    const end = Math.min(entry.end, next ? next.start : Infinity);
    return time < end ? entry : null;
  }

  function readPage() {
    document.querySelectorAll("[data-chapters]").forEach((list) => {
      const entries = timed([...list.querySelectorAll("li[data-start]")]).map((entry) => {
        const title = entry.el.querySelector(".chapter-title");
        return { ...entry, title: title ? title.textContent : "" };
      });
      chaptersOf.set(list.dataset.episodeId, entries);
    });
    const transcript = document.querySelector("[data-transcript]");
    lines = transcript ? timed([...transcript.querySelectorAll("li[data-start]")]) : [];
    transcriptFor = transcript ? transcript.dataset.episodeId : null;
    lit = null;
    litChapter = null;
  }

  function chapterLabel() {
    const text = bar() && bar().querySelector(".player-text");
    if (!text) return null;
    let label = text.querySelector("[data-player-chapter]");
    if (!label) {
      label = document.createElement("span");
      label.className = "player-chapter";
      label.dataset.playerChapter = "";
      label.hidden = true;
      text.appendChild(label);
    }
    return label;
  }

  function mark(previous, next) {
    if (previous === next) return false;
    if (previous) {
      previous.classList.remove("is-current");
      previous.removeAttribute("aria-current");
    }
    if (next) {
      next.classList.add("is-current");
      next.setAttribute("aria-current", "true");
    }
    return true;
  }

  // Keeps the highlighted line in view inside the transcript's own scroll box, without
  // moving the page.
  function reveal(el) {
    const box = el.closest("[data-transcript]");
    if (!box || box.scrollHeight <= box.clientHeight) return;
    const top = el.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + el.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }

  function follow() {
    const a = audio();
    const id = playing();
    const time = a ? a.currentTime : 0;
    const chapters = (id && chaptersOf.get(id)) || [];
    const chapter = id ? entryAt(chapters, time) : null;
    const label = chapterLabel();
    if (label) {
      label.textContent = chapter ? chapter.title : "";
      label.hidden = !chapter || !chapter.title;
    }
    const chapterEl = chapter && document.contains(chapter.el) ? chapter.el : null;
    if (mark(litChapter, chapterEl)) litChapter = chapterEl;
    const line = id && id === transcriptFor ? entryAt(lines, time) : null;
    const lineEl = line ? line.el : null;
    if (mark(lit, lineEl)) {
      lit = lineEl;
      if (lineEl) reveal(lineEl);
    }
  }

  // "90", "90.5", "1:30", "1:02:03", "1m30s"; null for anything else.
  function parseTime(value) {
    if (!value) return null;
    let match = value.match(/^(\d+(?:\.\d+)?)s?$/);
    if (match) return Number(match[1]);
    match = value.match(/^(?:(\d+):)?(\d{1,2}):(\d{1,2})$/);
    if (match) return Number(match[1] || 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
    match = value.match(/^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/);
    if (match && value) return Number(match[1] || 0) * 3600 + Number(match[2] || 0) * 60 + Number(match[3] || 0);
    return null;
  }

  function startFromLink() {
    const start = parseTime(new URLSearchParams(location.search).get("t"));
    const article = document.querySelector("article[data-episode-id]");
    if (start === null || !article) return;
    ask(article.dataset.episodeId, start, true);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-seek]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const owner = link.closest("[data-episode-id]");
    const start = Number(link.dataset.seek);
    if (!owner || !Number.isFinite(start)) return;
    if (ask(owner.dataset.episodeId, start, false)) event.preventDefault();
  });

  // Media events do not bubble; the capture phase sees them on the way down.
  document.addEventListener("timeupdate", follow, true);
  document.addEventListener("seeked", follow, true);
  document.addEventListener("emptied", follow, true);

  document.addEventListener("htmx:afterSettle", (event) => {
    readPage();
    follow();
    if (event.detail && event.detail.boosted) startFromLink();
  });

  function start() {
    readPage();
    follow();
    startFromLink();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
