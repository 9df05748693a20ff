// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-play]");
  if (!button) return;
  const audio = document.getElementById(button.dataset.play);
  if (!audio) return;
  event.preventDefault();
  if (audio.paused) {
    audio.play();
  } else {
    audio.pause();
  }
});

document.addEventListener("play", (event) => {
  document.querySelectorAll(`[data-play="${event.target.id}"]`).forEach((b) => {
    b.textContent = "❚❚ Pause";
  });
}, true);

document.addEventListener("pause", (event) => {
  document.querySelectorAll(`[data-play="${event.target.id}"]`).forEach((b) => {
    b.textContent = "▶ Listen";
  });
}, true);

// Pages are the same for every visitor so that caches can keep them
// (airwaves/pagecache.py): the visitor's own hearts, subscriptions, positions and account
// menu are asked for here, in one request, and swapped in; the answer also carries the
// CSRF token the forms and the player send. Without this script the page shows the
// neutral state and its forms still work (a post without a token is confirmed on a
// page of its own).

// The CSRF cookie's value: what the server compares a post's token with.
function csrfCookie() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// The /me/state request on its way, if any: a post waits for it (below).
let stateAnswer = null;

function fillPersonalParts() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta || !meta.dataset.stateUrl) return;
  const names = new Set();
  document.querySelectorAll("[data-personal]").forEach((el) => names.add(el.dataset.personal));
  const query = new URLSearchParams({
    parts: [...names].join(","),
    next: location.pathname + location.search,
  });
  const answer = fetch(`${meta.dataset.stateUrl}?${query}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then((response) => (response.ok ? response.json() : null))
    .then((state) => {
      if (!state) return;
      meta.content = state.csrf_token;
      for (const [name, html] of Object.entries(state.parts)) {
        document.querySelectorAll(`[data-personal="${CSS.escape(name)}"]`).forEach((el) => {
          const template = document.createElement("template");
          template.innerHTML = html.trim();
          const fresh = template.content.firstElementChild;
          if (!fresh) return;
          el.replaceWith(fresh);
          if (window.htmx) window.htmx.process(fresh);
        });
      }
      document.documentElement.dataset.personalFilled = "";
      document.dispatchEvent(new CustomEvent("airwaves:personal"));
    })
    .catch(() => {})
    .finally(() => {
      if (stateAnswer === answer) stateAnswer = null;
    });
  stateAnswer = answer;
}

// A cached page carries no CSRF cookie: a first visitor gets it with the /me/state
// answer. A heart, follow or form sent through htmx before that answer has landed waits
// for it rather than posting without a token (which the server refuses). The answer may
// have swapped in the visitor's own version of the form: the click then goes to that one,
// and only if it still offers what was clicked (a heart already given stays given).
function pressedState(form) {
  const button = form.querySelector?.("[aria-pressed]");
  return button ? button.getAttribute("aria-pressed") : null;
}

document.addEventListener("htmx:confirm", (event) => {
  if (!stateAnswer || csrfCookie() || event.detail.verb === "get") return;
  event.preventDefault();
  const sent = event.detail.elt;
  const action = sent.getAttribute("action");
  const pressed = pressedState(sent);
  stateAnswer.then(() => {
    if (document.contains(sent)) {
      const field = sent.querySelector?.('input[name="csrfmiddlewaretoken"]');
      if (field && csrfCookie()) field.value = csrfCookie();
      event.detail.issueRequest(true);
      return;
    }
    const fresh = action && document.querySelector(`form[action="${CSS.escape(action)}"]`);
    if (fresh && pressedState(fresh) === pressed) fresh.requestSubmit();
  });
});

// A form posts the token that matches the cookie when it is sent: the cookie may have
// changed since the page was made (a /me/state answer that landed after this page's own
// response set a new one), and a stale token is refused.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  const token = csrfCookie();
  const field = form.querySelector('input[name="csrfmiddlewaretoken"]');
  if (token && field) field.value = token;
}, true);

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", fillPersonalParts);
} else {
  fillPersonalParts();
}
// A boosted navigation swaps in a new (cached) page body.
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.boosted) fillPersonalParts();
});
