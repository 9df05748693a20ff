// The admin's station import streams its page: a progress step element arrives after
// each batch of stations is saved. Loaded before the steps (not deferred), this moves
// the progress bar as each one is parsed, without inline script.
(() => {
  const show = (step) => {
    const bar = document.getElementById("import-progress");
    const count = document.getElementById("import-count");
    if (!bar || !count) return;
    bar.value = Number(step.dataset.done);
    count.textContent = `${step.dataset.done} of ${step.dataset.total} stations`;
  };
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE && node.matches(".import-step")) show(node);
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
