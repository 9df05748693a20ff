// Station pages: the live now-playing title. The Listen button plays the station in
// the player bar (player.js), which also handles HLS and counts the click. The page
// works without either file (its own <audio> plays, the forms post).
//
// The script sits in the page body, so it runs again on each boosted (htmx) visit to
// a station page; everything it binds belongs to that page's elements.
(function () {
  "use strict";

  function followNowPlaying() {
    const box = document.getElementById("now-playing");
    if (!box || !window.EventSource || box.dataset.following) return;
    box.dataset.following = "1";
    const title = box.querySelector(".np-title");
    const events = new EventSource(box.dataset.events);
    events.onmessage = (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      title.textContent = data.title || "";
      box.hidden = !data.title;
    };
    // Leaving the page (a full navigation, or htmx swapping the body) closes the
    // connection at once, so the server can let go of the station's stream.
    const stop = () => {
      events.close();
      document.removeEventListener("htmx:beforeSwap", onSwap);
    };
    const onSwap = (event) => {
      if (event.detail.boosted || !document.body.contains(box)) stop();
    };
    document.addEventListener("htmx:beforeSwap", onSwap);
    window.addEventListener("pagehide", stop, { once: true });
  }

  function start() {
    followNowPlaying();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
