/* Project catalog filter: chips for domain and kind filter the cards in place.
   Without this script every card shows and the chips stay hidden. The filter lives in the
   URL (?domain=payments&kind=open-source), so a filtered view can be shared and survives a
   reload. */
(() => {
  "use strict";
  const KEYS = ["domain", "kind"];

  function setUp(catalog) {
    const bar = catalog.querySelector(".site-filter");
    const cards = Array.from(catalog.querySelectorAll(".site-card-col"));
    const chips = Array.from(bar.querySelectorAll("button[data-filter]"));
    const count = bar.querySelector(".site-filter-count");
    const clear = bar.querySelector(".site-filter-clear");
    const known = (key, value) =>
      chips.some((chip) => chip.dataset.filter === key && chip.dataset.value === value);

    function fromUrl() {
      const params = new URLSearchParams(window.location.search);
      const state = {};
      for (const key of KEYS) {
        const value = params.get(key) || "";
        state[key] = known(key, value) ? value : "";
      }
      return state;
    }

    function toUrl(state) {
      const url = new URL(window.location.href);
      for (const key of KEYS) {
        if (state[key]) url.searchParams.set(key, state[key]);
        else url.searchParams.delete(key);
      }
      window.history.replaceState(window.history.state, "", url);
    }

    function show(state) {
      let shown = 0;
      for (const card of cards) {
        const visible = KEYS.every(
          (key) => !state[key] || card.classList.contains(`site-${key}-${state[key]}`),
        );
        card.hidden = !visible;
        shown += visible ? 1 : 0;
      }
      for (const chip of chips) {
        const pressed = state[chip.dataset.filter] === chip.dataset.value;
        chip.setAttribute("aria-pressed", String(pressed));
      }
      const noun = cards.length === 1 ? "project" : "projects";
      count.textContent = `Showing ${shown} of ${cards.length} ${noun}`;
      clear.hidden = KEYS.every((key) => !state[key]);
    }

    let state = fromUrl();
    for (const chip of chips) {
      chip.addEventListener("click", () => {
        const key = chip.dataset.filter;
        // Pressing the chosen chip again lets go of it, like choosing "all".
        const value = state[key] === chip.dataset.value ? "" : chip.dataset.value;
        state = { ...state, [key]: value };
        show(state);
        toUrl(state);
      });
    }
    clear.addEventListener("click", () => {
      state = Object.fromEntries(KEYS.map((key) => [key, ""]));
      show(state);
      toUrl(state);
      bar.querySelector('button[data-value=""]').focus();
    });
    show(state);
    toUrl(state);
    bar.hidden = false;
  }

  function start() {
    document.querySelectorAll(".site-catalog").forEach((catalog) => {
      if (catalog.querySelector(".site-filter")) setUp(catalog);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
