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
