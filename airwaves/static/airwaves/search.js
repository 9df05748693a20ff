// Typeahead for the header's search box: as the visitor types, the first few shows,
// episodes and stations whose titles start with what was typed, from /search/suggest
// (an HTML fragment rendered and escaped by the server). The box works without this file.
(() => {
  // htmx navigation swaps the body and runs this file again; one set of listeners is enough.
  if (window.airwavesSuggest) return;
  window.airwavesSuggest = true;

  const DELAY_MS = 150;
  const MIN_CHARS = 2;
  let timer = 0;
  let controller = null;
  let shown = "";

  const box = () => document.getElementById("search-suggestions");

  function close() {
    const suggestions = box();
    if (suggestions) {
      suggestions.hidden = true;
      suggestions.replaceChildren();
    }
    shown = "";
  }

  async function suggest(input) {
    const query = input.value.trim();
    if (query === shown) return;
    if (controller) controller.abort();
    if (query.length < MIN_CHARS) {
      close();
      return;
    }
    controller = new AbortController();
    let html;
    try {
      const response = await fetch(`${input.dataset.suggest}?q=${encodeURIComponent(query)}`, {
        signal: controller.signal,
      });
      if (!response.ok) return;
      html = await response.text();
    } catch {
      return; // aborted by a newer keystroke, or offline: no suggestions is fine
    }
    const suggestions = box();
    if (!suggestions || input.value.trim() !== query) return;
    shown = query;
    suggestions.innerHTML = html;
    suggestions.hidden = html.trim() === "";
    // Links added here are not htmx's own: boost them too, so the player keeps playing.
    if (window.htmx) window.htmx.process(suggestions);
  }

  document.addEventListener("input", (event) => {
    const input = event.target.closest && event.target.closest("input[data-suggest]");
    if (!input) return;
    clearTimeout(timer);
    timer = setTimeout(() => suggest(input), DELAY_MS);
  });

  document.addEventListener("keydown", (event) => {
    const suggestions = box();
    if (!suggestions || suggestions.hidden || !event.target.closest("form.search")) return;
    if (event.key === "Escape") {
      close();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    const links = [...suggestions.querySelectorAll("a")];
    const next = links.indexOf(document.activeElement) + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0) {
      event.target.closest("form.search").querySelector("input[data-suggest]").focus();
    } else if (links.length) {
      links[Math.min(next, links.length - 1)].focus();
    }
  });

  document.addEventListener("click", (event) => {
    if (!event.target.closest("form.search")) close();
  });
})();
