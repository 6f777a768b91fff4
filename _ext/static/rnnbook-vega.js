// Draws the book's interactive figures (rnnbook.interactive) with Vega-Lite, from the copies of
// vega, vega-lite and vega-embed that the site serves itself (_static/vega/). Each figure is a
// <div class="rnnbook-vega"> holding its specification as JSON. A figure is as wide as its
// column ("width": "container" in the specification becomes the column's width, also for
// stacked panels), follows the light/dark switch, and is drawn again when either changes.
(function () {
  "use strict";

  function setWidths(node, width) {
    if (Array.isArray(node)) {
      node.forEach((item) => setWidths(item, width));
    } else if (node && typeof node === "object") {
      if (node.width === "container") {
        node.width = width;
        // A long title would widen the figure past a phone's screen: cut it to the plot's width.
        if (node.title && typeof node.title === "object") node.title.limit = width;
      }
      Object.keys(node).forEach((key) => {
        if (key !== "data") setWidths(node[key], width);
      });
    }
  }

  function scheme() {
    return document.documentElement.dataset.theme === "dark" ? "dark" : undefined;
  }

  function draw(el) {
    const source = el.querySelector("script.rnnbook-vega-spec");
    if (!source || !window.vegaEmbed) return;
    const spec = JSON.parse(source.textContent);
    // The specification names Vega-Lite v5 for JupyterLab's renderer; the site draws it with v6,
    // which reads it unchanged (and would only warn about the version).
    delete spec.$schema;
    const width = Math.max(160, Math.floor(el.clientWidth) - 110);
    if (el.dataset.drawnWidth === String(width) && el.dataset.drawnScheme === String(scheme())) {
      return;
    }
    setWidths(spec, width);
    let target = el.querySelector(".rnnbook-vega-view");
    if (!target) {
      target = document.createElement("div");
      target.className = "rnnbook-vega-view";
      el.appendChild(target);
    }
    if (el.rnnbookView) el.rnnbookView.finalize();
    el.dataset.drawnWidth = String(width);
    el.dataset.drawnScheme = String(scheme());
    const fallback = el.querySelector(".rnnbook-vega-fallback");
    if (fallback) fallback.remove();
    window
      .vegaEmbed(target, spec, {
        actions: false,
        renderer: "svg",
        theme: scheme(),
        config: {background: "transparent"},
      })
      .then((result) => {
        el.rnnbookView = result.view;
        el.dataset.rendered = String(Number(el.dataset.rendered || 0) + 1);
      })
      .catch((error) => console.error("rnnbook interactive figure:", error));
  }

  function drawAll() {
    document.querySelectorAll(".rnnbook-vega").forEach(draw);
  }

  function start() {
    drawAll();
    new MutationObserver(drawAll).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
    let timer = null;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(drawAll, 200);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
