// The player bar (templates/listeners/player.html) and the htmx settings the site needs.
//
// Pages change by htmx "boosted" navigation: the body is swapped, but the player bar
// carries hx-preserve, so the same <audio> element keeps playing. This file runs once
// per full page load; everything it does to page content goes through event
// delegation, so it also works for content swapped in later.
//
// The bar plays episodes (positions saved, seeking, speed) and live radio stations
// (none of that: a LIVE mark, and the title on air from the station's event stream).
(function () {
  "use strict";

  const SAVE_EVERY_MS = 15000;
  const BACK_SECONDS = 15;
  const FORWARD_SECONDS = 30;
  const MIN_RESUME = 5; // same as playback.MIN_RESUME
  const STORE_KEY = "airwaves.player";

  document.documentElement.classList.add("js");

  // What is loaded: an episode {id, src, title, show, art, url, duration}, or a station
  // {live: true, id: "station:<slug>", src, name, art, url, events, click, hls, hlsScript}.
  let current = null;
  let pendingStart = null; // where to start once the audio's metadata is known
  let segmentStart = 0; // where this stretch of listening began (gPodder "started")
  let lastKnownTime = 0;
  let saveTimer = null;
  let switching = false; // the coming "pause" event belongs to the episode left behind

  // Live stations only.
  let liveAttached = false; // the stream is connected (a paused station lets go of it)
  let hls = null; // the hls.js instance, where the browser cannot play HLS itself
  let hlsScript = null; // the promise of hls.js loaded, fetched the first time it is needed
  let titles = null; // the EventSource of the station's now-playing titles
  let nowPlaying = "";
  let counted = false; // this station's play was reported to the site

  const audio = () => document.getElementById("player-audio");
  const bar = () => document.getElementById("player");
  const part = (name) => bar().querySelector(`[data-player-${name}]`);

  function csrfToken() {
    // The cookie is the freshest copy (it changes on log-in); the meta tag is a fallback.
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function clock(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
    const s = Math.floor(seconds % 60);
    const m = Math.floor(seconds / 60) % 60;
    const h = Math.floor(seconds / 3600);
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function duration() {
    const a = audio();
    return Number.isFinite(a.duration) && a.duration > 0 ? a.duration : current && current.duration;
  }

  // The key a play button and `current` share: episodes by id, stations by slug.
  function keyOf(el) {
    return el.dataset.station ? `station:${el.dataset.station}` : el.dataset.episodeId;
  }

  function itemFrom(el) {
    const d = el.dataset;
    if (d.station) {
      return {
        live: true,
        id: keyOf(el),
        src: d.src,
        name: d.title || "",
        art: d.art || "",
        url: d.url || "",
        events: d.events || "",
        click: d.click || "",
        hls: d.hls === "1",
        hlsScript: d.hlsScript || "",
      };
    }
    return {
      id: d.episodeId,
      src: d.src,
      title: d.title || "",
      show: d.show || "",
      art: d.art || "",
      url: d.url || "",
      duration: Number(d.duration) || null,
    };
  }

  // --- saving positions -----------------------------------------------------

  // Saves go out one at a time, in the order they were made: the server stamps each with
  // the time it arrives, and the newest is where the listener is. (Two at once could
  // arrive the other way round: a seek's save after the end's, and the episode would
  // look unfinished.)
  let saving = Promise.resolve();

  function save(options = {}) {
    const a = audio();
    if (!current || current.live) return; // a live station has no position to come back to
    const position = Math.floor(options.position ?? a.currentTime);
    const total = duration() ? Math.round(duration()) : null;
    remember(position);
    const url = `/episodes/${current.id}/position`;
    const request = {
      method: "POST",
      credentials: "same-origin",
      keepalive: true, // lets the last save finish while the page goes away
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        position,
        total,
        started: Math.min(segmentStart, position),
        ended: Boolean(options.ended),
      }),
    };
    if (options.now) {
      fetch(url, request).catch(() => {}); // the page is going: no time to wait in line
      return;
    }
    saving = saving.then(() => fetch(url, request).catch(() => {}));
  }

  async function savedPosition(id) {
    try {
      const response = await fetch(`/episodes/${id}/position`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const state = await response.json();
      if (state.position && !state.finished && state.position >= MIN_RESUME) return state.position;
    } catch (error) {
      // Start from the beginning when the position cannot be read.
    }
    return 0;
  }

  // What is loaded survives a full page load (a new tab, a reload): shown paused.
  // (The key says "episode"; it holds a station too, and keeps older saved state readable.)
  function remember(position) {
    try {
      const rate = current.live ? 1 : audio().playbackRate;
      localStorage.setItem(STORE_KEY, JSON.stringify({ episode: current, position, rate }));
    } catch (error) {
      // Private browsing may refuse storage; the player works without it.
    }
  }

  function forget() {
    try {
      localStorage.removeItem(STORE_KEY);
    } catch (error) {
      // see remember()
    }
  }

  // --- showing state --------------------------------------------------------

  function showItem(item) {
    bar().hidden = false;
    bar().dataset.current = item.id; // read by chapters.js
    bar().classList.toggle("is-live", Boolean(item.live));
    document.body.classList.add("has-player");
    const link = part("link");
    link.setAttribute("href", item.url || "/");
    // htmx read the old href when it boosted the link; let it read the new one.
    if (window.htmx) window.htmx.process(link);
    const art = part("art");
    art.hidden = !item.art;
    if (item.art) art.src = item.art;
    allowSeeking(!item.live);
    if (item.live) {
      showNowPlaying();
      return;
    }
    part("title").textContent = item.title;
    part("show").textContent = item.show;
    part("duration").textContent = clock(item.duration);
    describe({ title: item.title, artist: item.show, album: item.show, art: item.art });
  }

  // A station: the title on air (the station's name until one is known), then the station.
  function showNowPlaying(note) {
    part("title").textContent = nowPlaying || current.name;
    part("show").textContent = note || (nowPlaying ? current.name : "Live radio");
    describe({ title: nowPlaying || current.name, artist: current.name, album: "", art: current.art });
  }

  function describe({ title, artist, album, art }) {
    if ("mediaSession" in navigator && "MediaMetadata" in window) {
      navigator.mediaSession.metadata = new MediaMetadata({
        title,
        artist,
        album,
        artwork: art ? [{ src: new URL(art, location.href).href }] : [],
      });
    }
  }

  function syncButtons() {
    const a = audio();
    const playing = Boolean(current) && Boolean(a) && !a.paused;
    // A page swapped in without the bar (a bare error page) has no toggle to mark.
    const toggle = bar() && bar().querySelector('[data-player-action="toggle"]');
    if (toggle) {
      toggle.textContent = playing ? "❚❚" : "▶";
      toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
      toggle.title = playing ? "Pause" : "Play";
    }
    document.querySelectorAll("[data-player-play]").forEach((button) => {
      const mine = playing && keyOf(button) === current.id;
      button.classList.toggle("is-playing", mine);
      if (button.dataset.labelPause) {
        // The visible text; inside its aria-hidden span when an aria-label names the button.
        const text = button.querySelector("[aria-hidden]") || button;
        if (!button.dataset.labelPlay) button.dataset.labelPlay = text.textContent;
        text.textContent = mine ? button.dataset.labelPause : button.dataset.labelPlay;
      }
      // A button without a fixed start is a toggle: it tells assistive technology whether
      // pressing it now plays or pauses. One without an aria-label is named by its text.
      if (button.tagName === "BUTTON" && button.dataset.start === undefined) {
        button.setAttribute("aria-pressed", mine ? "true" : "false");
        if (button.hasAttribute("aria-label")) {
          const action = mine ? "Pause" : "Play";
          button.setAttribute("aria-label", `${action} ${button.dataset.title || ""}`.trim());
          button.title = action;
        }
      }
    });
    if ("mediaSession" in navigator) {
      navigator.mediaSession.playbackState = current ? (playing ? "playing" : "paused") : "none";
    }
  }

  function showTime() {
    const a = audio();
    if (current && current.live) return; // the bar shows LIVE instead
    const seek = part("seek");
    const total = duration() || 0;
    seek.max = String(Math.floor(total));
    if (document.activeElement !== seek) seek.value = String(Math.floor(a.currentTime));
    part("time").textContent = clock(a.currentTime);
    part("duration").textContent = clock(total);
    if ("mediaSession" in navigator && navigator.mediaSession.setPositionState && total) {
      try {
        navigator.mediaSession.setPositionState({
          duration: total,
          playbackRate: a.playbackRate,
          position: Math.min(a.currentTime, total),
        });
      } catch (error) {
        // Some browsers reject a position past a not-yet-known duration.
      }
    }
  }

  // --- actions --------------------------------------------------------------

  // Loads an episode (from `start` seconds) or a station, paused.
  function load(item, start) {
    const a = audio();
    detachStation();
    current = item;
    if (item.live) {
      // The stream connects when it is played (resume), not for a bar shown paused.
      pendingStart = null;
      nowPlaying = "";
      counted = false;
      a.removeAttribute("src");
      a.load();
      remember(0);
    } else {
      pendingStart = start;
      segmentStart = Math.floor(start || 0);
      lastKnownTime = start || 0;
      a.src = item.src;
    }
    showItem(item);
    showTime();
  }

  async function play(item, start) {
    const a = audio();
    if (current && current.id === item.id) {
      if (start !== null && !current.live) a.currentTime = start;
      resume();
      return;
    }
    if (current && !a.paused) {
      save(); // the episode left behind, while `current` still names it
      switching = true;
      a.pause();
    }
    if (start === null && !item.live) {
      current = item; // claims the bar while the saved position is read
      start = await savedPosition(item.id);
      if (current !== item) return; // another episode was chosen meanwhile
    }
    load(item, start);
    resume();
  }

  function resume() {
    if (!current) return;
    if (current.live && !liveAttached) attachStation(current);
    else audio().play().catch(() => {});
  }

  function toggle() {
    const a = audio();
    if (!current) return;
    if (a.paused) resume();
    else a.pause();
  }

  function skip(seconds) {
    const a = audio();
    if (!current || current.live) return;
    const total = duration() || Infinity;
    a.currentTime = Math.max(0, Math.min(total, a.currentTime + seconds));
  }

  function close() {
    const a = audio();
    if (current && !a.paused) {
      switching = true; // nothing to save or stop after this pause: it is all done here
      save();
      a.pause();
    }
    detachStation();
    current = null;
    a.removeAttribute("src");
    a.load();
    bar().hidden = true;
    delete bar().dataset.current;
    bar().classList.remove("is-live");
    document.body.classList.remove("has-player");
    forget();
    syncButtons();
  }

  // --- live stations --------------------------------------------------------

  // Connects the station's stream to the <audio> and plays it, from the live edge.
  function attachStation(station) {
    const a = audio();
    liveAttached = true;
    followTitles(station);
    const nativeHls = a.canPlayType("application/vnd.apple.mpegurl") !== "";
    if (!station.hls || nativeHls) {
      a.src = station.src;
      a.playbackRate = 1;
      a.play().catch(() => {});
      return;
    }
    // HLS without native support: hls.js feeds the playlist's segments to the element.
    loadHlsJs(station.hlsScript).then(
      () => {
        if (current !== station || !liveAttached) return; // stopped or replaced meanwhile
        if (!window.Hls.isSupported()) return streamFailed();
        hls = new window.Hls();
        hls.on(window.Hls.Events.ERROR, (_, data) => {
          if (data.fatal) streamFailed();
        });
        hls.loadSource(station.src);
        hls.attachMedia(a);
        a.playbackRate = 1;
        a.play().catch(() => {});
      },
      () => {
        hlsScript = null; // try fetching it again next time
        if (current === station) streamFailed();
      }
    );
  }

  function loadHlsJs(src) {
    if (window.Hls) return Promise.resolve();
    if (!hlsScript) {
      hlsScript = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return hlsScript;
  }

  // Lets go of the stream and of the title updates: a paused station would otherwise
  // hold a connection (and a relay slot of the site's proxy) and fall behind live.
  function detachStation() {
    liveAttached = false;
    if (hls) {
      hls.destroy();
      hls = null;
    }
    if (titles) {
      titles.close();
      titles = null;
    }
  }

  function stopStation() {
    const a = audio();
    detachStation();
    a.removeAttribute("src");
    a.load();
  }

  function followTitles(station) {
    if (titles || !station.events || !window.EventSource) return;
    titles = new EventSource(station.events);
    titles.onmessage = (event) => {
      if (current !== station) return;
      try {
        nowPlaying = JSON.parse(event.data).title || "";
      } catch (error) {
        return;
      }
      showNowPlaying();
    };
  }

  function streamFailed() {
    stopStation();
    showNowPlaying("The stream could not be played right now; the station may be off air.");
    syncButtons();
  }

  // The page's own player reported plays; the bar does the same, once per station
  // loaded (the site counts a listener once a day, however often they press play).
  function reportPlay() {
    if (counted || !current.click) return;
    counted = true;
    fetch(current.click, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).catch(() => {});
  }

  // --- wiring ---------------------------------------------------------------

  const seekHandlers = {};

  function allowSeeking(allowed) {
    if (!("mediaSession" in navigator)) return;
    for (const [action, handler] of Object.entries(seekHandlers)) {
      try {
        navigator.mediaSession.setActionHandler(action, allowed ? handler : null);
      } catch (error) {
        // This browser does not know that action.
      }
    }
  }

  function wireAudio() {
    const a = audio();
    a.addEventListener("loadedmetadata", () => {
      if (pendingStart) a.currentTime = pendingStart;
      pendingStart = null;
      showTime();
    });
    a.addEventListener("play", () => {
      segmentStart = Math.floor(pendingStart ?? a.currentTime);
      clearInterval(saveTimer);
      saveTimer = setInterval(() => save(), SAVE_EVERY_MS);
      syncButtons();
    });
    a.addEventListener("pause", () => {
      clearInterval(saveTimer);
      if (switching) switching = false;
      else if (current && current.live) stopStation();
      else if (!a.ended) save();
      syncButtons();
    });
    a.addEventListener("playing", () => {
      if (current && current.live) {
        showNowPlaying();
        reportPlay();
      }
    });
    a.addEventListener("ended", () => {
      clearInterval(saveTimer);
      if (current && current.live) stopStation(); // the station went off air
      else save({ ended: true });
      syncButtons();
    });
    a.addEventListener("error", () => {
      // An error with the stream attached; not the one a detached element may report.
      if (current && current.live && liveAttached && !hls) streamFailed();
    });
    a.addEventListener("seeking", () => {
      // A jump ends one stretch of listening and starts another.
      if (!a.paused && current && Math.abs(a.currentTime - lastKnownTime) > 2) {
        save({ position: lastKnownTime });
        segmentStart = Math.floor(a.currentTime);
      }
    });
    a.addEventListener("timeupdate", () => {
      if (!a.seeking) lastKnownTime = a.currentTime;
      showTime();
    });
    a.addEventListener("durationchange", showTime);
    a.addEventListener("ratechange", () => {
      if (current && current.live) return; // loading a stream resets the rate, not the choice
      part("speed").value = String(a.playbackRate);
      if (current) remember(Math.floor(a.currentTime));
    });

    part("seek").addEventListener("input", (event) => {
      if (current) a.currentTime = Number(event.target.value);
    });
    part("speed").addEventListener("change", (event) => {
      a.playbackRate = Number(event.target.value);
    });

    Object.assign(seekHandlers, {
      seekbackward: (d) => skip(-(d.seekOffset || BACK_SECONDS)),
      seekforward: (d) => skip(d.seekOffset || FORWARD_SECONDS),
      seekto: (d) => {
        if (current && !current.live) a.currentTime = d.seekTime;
      },
    });
    if ("mediaSession" in navigator) {
      const handlers = {
        play: resume,
        pause: () => a.pause(),
        stop: close,
        ...seekHandlers,
      };
      for (const [action, handler] of Object.entries(handlers)) {
        try {
          navigator.mediaSession.setActionHandler(action, handler);
        } catch (error) {
          // This browser does not know that action.
        }
      }
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-player-play]");
    if (button) {
      event.preventDefault();
      const item = itemFrom(button);
      const start = button.dataset.start !== undefined ? Number(button.dataset.start) : null;
      if (current && current.id === item.id && start === null) toggle();
      else play(item, start);
      return;
    }
    const action = event.target.closest("[data-player-action]");
    if (!action) return;
    const name = action.dataset.playerAction;
    if (name === "toggle") toggle();
    else if (name === "back") skip(-BACK_SECONDS);
    else if (name === "forward") skip(FORWARD_SECONDS);
    else if (name === "close") close();
  });

  // chapters.js asks for an episode from a given second (a chapter, a transcript line, a
  // shared ?t= link): detail {button: a play button of the episode, start, paused}. A
  // paused request never interrupts another episode that is playing.
  document.addEventListener("airwaves:play", (event) => {
    const { button, start, paused } = event.detail;
    const item = itemFrom(button);
    if (!paused) {
      play(item, start);
      return;
    }
    const a = audio();
    if (current && current.id === item.id) {
      pendingStart = start;
      if (a.readyState > 0) a.currentTime = start;
      part("time").textContent = clock(start);
      return;
    }
    if (current && !a.paused) return;
    load(item, start);
    part("time").textContent = clock(start);
  });

  // Save before the page goes away (a full navigation, closing the tab).
  window.addEventListener("pagehide", () => {
    if (current && !audio().paused) save({ now: true });
  });

  // --- htmx -----------------------------------------------------------------

  // htmx requests carry the CSRF token in a header, so a form's own token may be stale.
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // A boosted navigation to an error page (404, 403, 429, 500) shows that page,
  // as a normal navigation would; htmx leaves error responses unswapped by default.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.boosted && event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // If the server cannot be reached, fall back to a normal page load.
  document.addEventListener("htmx:sendError", (event) => {
    if (event.detail.boosted && event.detail.pathInfo) {
      window.location.href = event.detail.pathInfo.requestPath;
    }
  });

  // New page content: mark its play buttons.
  document.addEventListener("htmx:afterSettle", syncButtons);
  // site.js swapped in this visitor's own resume buttons.
  document.addEventListener("airwaves:personal", syncButtons);

  function start() {
    if (!bar()) return;
    // Made here, not in the page: pages without JavaScript have no use for it, and
    // an episode page without audio has no <audio> element at all.
    const element = document.createElement("audio");
    element.id = "player-audio";
    element.preload = "none";
    bar().prepend(element);
    wireAudio();
    try {
      const saved = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (saved && saved.episode && saved.episode.src) {
        load(saved.episode, saved.position || 0);
        if (saved.rate) audio().playbackRate = saved.rate;
        part("time").textContent = clock(saved.position || 0);
      }
    } catch (error) {
      forget();
    }
    syncButtons();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
