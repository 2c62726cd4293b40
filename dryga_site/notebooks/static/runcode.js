(settings) => {
  /* Run controls for a post's code cells. Inlined into the page by dryga_site/notebooks/runcode.py
     and called with its settings: where the runtime and worker are, the build they belong to,
     the notebook to download, and for each cell what it needs that the runtime lacks. Nothing is
     fetched before an edit or Run.

     Copy link puts an edited cell's code in the URL's fragment, which browsers never send to a
     server: #code=<cell>.<z|u><base64url>, where <cell> names the cell by a hash of its published
     code (so a link finds its cell when cells are added above it) and z is deflate-raw
     compressed UTF-8, u plain UTF-8. Opening such a link shows that code in its cell, marked as
     coming from a link; nothing runs until Run. Any other fragment is left to the browser. */
  const CSS = `
html.runcode .cell:has(.cell_input pre) { position: relative; padding-top: 2.6rem; }
.runcode-bar { position: absolute; top: 0; left: 0; right: 0; height: 2.2rem; display: flex;
  gap: .5rem; align-items: center; font-family: var(--site-mono, monospace); font-size: .85rem; }
.runcode-bar button { font: inherit; padding: .15rem .7rem; border-radius: .25rem; cursor: pointer;
  border: 1px solid var(--pst-color-primary); background: var(--pst-color-background);
  color: var(--pst-color-primary); white-space: nowrap; flex: none; }
.runcode-bar button:hover, .runcode-bar button:focus-visible { background: var(--pst-color-primary);
  color: var(--pst-color-background); }
.runcode-bar button:disabled { opacity: 1; cursor: wait; }
.runcode-bar [hidden] { display: none; }
.runcode-status, .runcode-needs { color: var(--pst-color-text-muted); overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; min-width: 0; }
.runcode-note { font-family: var(--site-mono, monospace); font-size: .85rem; margin: .3rem 0;
  color: var(--pst-color-text-base); }
.cell_input pre[contenteditable]:focus { outline: 2px solid var(--pst-color-primary); }
.runcode-from-link { color: var(--pst-color-primary); }
.runcode-link { display: block; width: 100%; margin: .3rem 0; padding: .2rem .4rem;
  font-family: var(--site-mono, monospace); font-size: .85rem; color: var(--pst-color-text-base);
  background: var(--pst-color-background); border: 1px solid var(--pst-color-primary); }`;
  const LIMIT = 100000;
  const SHARED = /^#code=([0-9a-f]{8}(?:-[0-9]+)?)\.([zu])([A-Za-z0-9_-]+)$/;
  const LINK_LIMIT = 8000; // characters of a link's fragment
  const CODE_LIMIT = 100000; // characters of code a link may bring
  document.documentElement.classList.add("runcode");
  document.head.append(Object.assign(document.createElement("style"), { textContent: CSS }));

  const cells = [];
  let worker = null;
  let ready = null;
  let loaded = false;
  let abandon = null;
  let busy = false;
  const pending = new Map();
  const ran = new Set();

  const element = (tag, properties = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), properties);
    node.append(...children);
    return node;
  };

  const outputBlock = (text, kind) => {
    const pre = element("pre", { tabIndex: 0 }, text);
    return element("div", { className: `output ${kind}` }, element("div", { className: "highlight" }, pre));
  };

  function show(cell, ...blocks) {
    if (!cell.output && blocks.length) {
      cell.output = element("div", { className: "cell_output docutils container" });
      cell.node.append(cell.output);
    }
    cell.output?.replaceChildren(...blocks);
    cell.reset.hidden = false;
  }

  function startWorker() {
    worker = new Worker(new URL(settings.worker, document.baseURI), { type: "module" });
    ready = new Promise((resolve, reject) => {
      abandon = reject;
      worker.onmessage = ({ data }) => {
        if (data.type === "ready") resolve((loaded = true));
        else if (data.type === "failed") reject(new Error(data.message));
        else pending.get(data.id)?.(data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || "the worker script did not load"));
      };
    });
    ready.catch(() => {}); // reported by the run that waits for it
    const runtime = new URL(settings.runtime, document.baseURI).href;
    worker.postMessage({ type: "load", runtime, build: settings.build });
  }

  const STOPPED = "Stopped; Python starts afresh on the next run";

  function stop() {
    abandon?.(Object.assign(new Error(STOPPED), { stopped: true }));
    worker?.terminate();
    worker = null;
    loaded = false;
    ran.clear();
    for (const finish of pending.values()) finish({ stopped: true });
    pending.clear();
  }

  const execute = (cell) =>
    new Promise((resolve) => {
      const id = `${cell.number}-${performance.now()}`;
      pending.set(id, (result) => (pending.delete(id), resolve(result)));
      worker.postMessage({ type: "run", id, number: cell.number, code: cell.pre.innerText });
    });

  function render(cell, result, started) {
    const blocks = [];
    if (result.text) blocks.push(outputBlock(result.text, "stream"));
    if (result.total > LIMIT) {
      const note = `Output cut to its first ${LIMIT.toLocaleString("en")} characters`;
      blocks.push(element("p", { className: "runcode-note" },
        `${note} (it printed ${result.total.toLocaleString("en")}).`));
    }
    if (result.error) blocks.push(outputBlock(result.error, "traceback"));
    show(cell, ...blocks);
    const took = `${Math.round(performance.now() - started)} ms`;
    cell.status.textContent = result.error ? `Raised an error (${took})` : `Ran in ${took}`;
  }

  function loadFailed(cell, error) {
    stop();
    const retry = element("button", { type: "button", className: "runcode-retry" }, "Retry");
    retry.addEventListener("click", () => run(cell));
    const bar = element("div", { className: "runcode-bar", style: "position: static" }, retry);
    show(cell, element("p", { className: "runcode-note", role: "alert" },
      `Python could not be loaded from this site (${error.message}). `,
      "Check the connection, then retry."), bar);
    cell.status.textContent = "Python did not load";
  }

  async function run(cell) {
    if (busy) return;
    busy = true;
    for (const other of cells) other.run.disabled = true;
    cell.stop.hidden = false;
    const started = performance.now();
    cell.status.textContent = loaded ? "Running..." : "Loading Python (first run only)...";
    try {
      if (!worker) startWorker();
      await ready;
      const queue = cells.filter((other) => other === cell || (other.number < cell.number && !ran.has(other)));
      for (const current of queue) {
        current.status.textContent = "Running...";
        const result = await execute(current);
        if (result.stopped) {
          cell.status.textContent = STOPPED;
          break;
        }
        ran.add(current);
        render(current, result, current === queue[0] ? started : performance.now());
        if (result.error && current !== cell) {
          cell.status.textContent = `Not run: cell ${current.number} above raised an error`;
          break;
        }
      }
    } catch (error) {
      if (error.stopped) cell.status.textContent = STOPPED;
      else loadFailed(cell, error);
    } finally {
      busy = false;
      cell.stop.hidden = true;
      for (const other of cells) other.run.disabled = false;
    }
  }

  function controls(node, number, id, needs) {
    const pre = node.querySelector(".cell_input pre");
    const bar = element("div", { className: "runcode-bar", role: "group" });
    bar.setAttribute("aria-label", `Code cell ${number}`);
    node.prepend(bar);
    if (needs.length) {
      const link = element("a", { href: settings.notebook }, "download the notebook");
      link.setAttribute("download", "");
      bar.append(element("span", { className: "runcode-needs" }, `Needs ${needs.join(", ")}: `, link, " to run it"));
      return;
    }
    const button = (label, action, hidden = false) => {
      const name = `runcode-${label.toLowerCase().replace(" ", "-")}`;
      const b = element("button", { type: "button", hidden, className: name }, label);
      b.addEventListener("click", () => action(cell));
      bar.append(b);
      return b;
    };
    const cell = { node, number, id, pre, output: node.querySelector(".cell_output") };
    cell.published = { code: pre.innerHTML, output: cell.output?.innerHTML };
    cell.run = button("Run", run);
    cell.stop = button("Stop", () => stop(), true);
    cell.reset = button("Reset", reset, true);
    cell.copy = button("Copy link", copyLink, true);
    cell.status = element("span", { className: "runcode-status", role: "status" });
    bar.append(cell.status);
    pre.contentEditable = "plaintext-only";
    if (pre.contentEditable !== "plaintext-only") pre.contentEditable = "true";
    Object.assign(pre, { spellcheck: false, autocapitalize: "off" });
    pre.setAttribute("role", "textbox");
    pre.setAttribute("aria-multiline", "true");
    pre.setAttribute("aria-label", `Code of cell ${number}, editable; Shift+Enter runs it`);
    pre.addEventListener("input", () => {
      cell.reset.hidden = false;
      cell.copy.hidden = false;
      if (!worker) startWorker(); // a reader who edits will run: start loading Python now
    });
    pre.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.shiftKey) {
        event.preventDefault();
        run(cell);
      }
    });
    cells.push(cell);
  }

  function reset(cell) {
    cell.pre.innerHTML = cell.published.code;
    if (cell.published.output !== undefined) cell.output.innerHTML = cell.published.output;
    else if (cell.output) {
      cell.output.remove();
      cell.output = null;
    }
    cell.reset.hidden = true;
    cell.copy.hidden = true;
    cell.field?.remove();
    cell.field = null;
    if (cell.fromLink) {
      cell.fromLink.remove();
      cell.fromLink = null;
      // Reloading the page shows the post's code again.
      if (SHARED.exec(location.hash)?.[1] === cell.id) history.replaceState(history.state, "", unshared());
    }
    cell.status.textContent = "Back to the published code and output";
  }

  // -- sharing an edited cell through the URL's fragment ----------------------------------------

  /** A cell's name in links: a hash of its published code (FNV-1a), -2, -3... for repeats. */
  function cellIds(nodes) {
    const seen = new Map();
    return nodes.map((node) => {
      const text = node.querySelector(".cell_input pre").textContent;
      let hash = 0x811c9dc5;
      for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
      const id = (hash >>> 0).toString(16).padStart(8, "0");
      seen.set(id, (seen.get(id) || 0) + 1);
      return seen.get(id) > 1 ? `${id}-${seen.get(id)}` : id;
    });
  }

  const toBase64url = (bytes) => {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const fromBase64url = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const unshared = () => location.href.split("#")[0];
  const count = (n) => n.toLocaleString("en");

  /** Bytes through a (de)compression stream; at most `cap` bytes come out, else null. */
  async function transform(bytes, stream, cap = Infinity) {
    const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
    const parts = [];
    let size = 0;
    for (let chunk; !(chunk = await reader.read()).done; ) {
      size += chunk.value.length;
      if (size > cap) {
        reader.cancel();
        return null;
      }
      parts.push(chunk.value);
    }
    return new Uint8Array(await new Blob(parts).arrayBuffer());
  }

  async function encode(code) {
    const bytes = new TextEncoder().encode(code);
    if (globalThis.CompressionStream) {
      const packed = await transform(bytes, new CompressionStream("deflate-raw"));
      if (packed.length < bytes.length) return `z${toBase64url(packed)}`;
    }
    return `u${toBase64url(bytes)}`;
  }

  class Unusable extends Error {}

  async function decode(format, text) {
    let bytes;
    try {
      bytes = fromBase64url(text);
    } catch {
      throw new Unusable("it is not in the form this site writes");
    }
    if (format === "z") {
      if (!globalThis.DecompressionStream) throw new Unusable("this browser cannot decompress it");
      try {
        bytes = await transform(bytes, new DecompressionStream("deflate-raw"), CODE_LIMIT * 4);
      } catch {
        throw new Unusable("its code is damaged");
      }
      if (!bytes) throw new Unusable(`its code is longer than ${count(CODE_LIMIT)} characters`);
    }
    let code;
    try {
      code = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new Unusable("its code is not valid UTF-8 text");
    }
    if (code.length > CODE_LIMIT) {
      throw new Unusable(`its code is longer than ${count(CODE_LIMIT)} characters`);
    }
    return code;
  }

  async function copyLink(cell) {
    const fragment = `code=${cell.id}.${await encode(cell.pre.innerText)}`;
    if (fragment.length > LINK_LIMIT) {
      const size = `${count(fragment.length)} characters, at most ${count(LINK_LIMIT)}`;
      cell.status.textContent = `Too long for a link: ${size}`;
      return;
    }
    const link = `${unshared()}#${fragment}`;
    try {
      await navigator.clipboard.writeText(link);
      cell.field?.remove();
      cell.field = null;
      cell.status.textContent = "Link copied";
    } catch {
      // No clipboard (an insecure page, a refused permission): the link in a field to copy.
      if (!cell.field) {
        cell.field = element("input", { type: "text", readOnly: true, className: "runcode-link" });
        cell.field.setAttribute("aria-label", `Link to the code of cell ${cell.number}`);
        cell.node.querySelector(".cell_input").before(cell.field);
      }
      cell.field.value = link;
      cell.field.focus();
      cell.field.select();
      cell.status.textContent = "Copy the link from the field below";
    }
  }

  /** A note at the top of the post: a link's code that was not loaded, and why. */
  function linkProblem(why) {
    const note = element("p", { className: "runcode-note runcode-link-problem", role: "status" },
      `The code in this page's link was not loaded: ${why}. The post shows its own code.`);
    const article = document.querySelector("article.bd-article") || cells[0]?.node.parentElement;
    article?.prepend(note);
  }

  /** Show the code a #code= link brings in its cell; run nothing. */
  async function openLink() {
    document.querySelector(".runcode-link-problem")?.remove();
    if (!location.hash.startsWith("#code=")) return; // a heading's anchor, or no fragment
    if (location.hash.length - 1 > LINK_LIMIT) {
      return linkProblem(`it is longer than the ${count(LINK_LIMIT)} characters a link may have`);
    }
    const [, id, format, text] = SHARED.exec(location.hash) || [];
    if (!id) return linkProblem("it is not in the form this site writes");
    const cell = cells.find((c) => c.id === id);
    if (!cell) {
      return linkProblem("no cell of this post has the code it was made from (the post changed)");
    }
    let code;
    try {
      code = await decode(format, text);
    } catch (error) {
      if (error instanceof Unusable) return linkProblem(error.message);
      throw error;
    }
    cell.pre.textContent = code;
    if (!cell.fromLink) {
      cell.fromLink = element("p", { className: "runcode-note runcode-from-link" },
        "Code from a link, not the post's own: Run runs it, Reset brings back the post's code.");
      cell.node.querySelector(".cell_input").before(cell.fromLink);
    }
    cell.reset.hidden = false;
    cell.copy.hidden = false;
    cell.status.textContent = "Not run yet";
    cell.node.scrollIntoView({ block: "start" });
  }

  addEventListener("DOMContentLoaded", () => {
    const nodes = [...document.querySelectorAll(".cell")].filter((node) => node.querySelector(".cell_input pre"));
    const ids = cellIds(nodes);
    nodes.forEach((node, index) => controls(node, index + 1, ids[index], settings.needs[index] || []));
    openLink();
    addEventListener("hashchange", openLink);
  });
}
