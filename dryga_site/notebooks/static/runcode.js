(settings) => {
  /* Run controls for a post's code cells. Inlined into the page by dryga_site/notebooks/runcode.py
     and called with its settings: where the runtime and worker are, the build they belong to,
     the notebook to download, and for each cell what it needs that the runtime lacks. Nothing is
     fetched before an edit or Run. */
  const CSS = `
html.runcode .cell:has(.cell_input pre) { position: relative; padding-top: 2.6rem; }
.runcode-bar { position: absolute; top: 0; left: 0; right: 0; height: 2.2rem; display: flex;
  gap: .5rem; align-items: center; font-family: var(--site-mono, monospace); font-size: .85rem; }
.runcode-bar button { font: inherit; padding: .15rem .7rem; border-radius: .25rem; cursor: pointer;
  border: 1px solid var(--pst-color-primary); background: var(--pst-color-background);
  color: var(--pst-color-primary); }
.runcode-bar button:hover, .runcode-bar button:focus-visible { background: var(--pst-color-primary);
  color: var(--pst-color-background); }
.runcode-bar button:disabled { opacity: 1; cursor: wait; }
.runcode-bar [hidden] { display: none; }
.runcode-status, .runcode-needs { color: var(--pst-color-text-muted); overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; min-width: 0; }
.runcode-note { font-family: var(--site-mono, monospace); font-size: .85rem; margin: .3rem 0;
  color: var(--pst-color-text-base); }
.cell_input pre[contenteditable]:focus { outline: 2px solid var(--pst-color-primary); }`;
  const LIMIT = 100000;
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

  function controls(node, number, needs) {
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
      const b = element("button", { type: "button", hidden, className: `runcode-${label.toLowerCase()}` }, label);
      b.addEventListener("click", () => action(cell));
      bar.append(b);
      return b;
    };
    const cell = { node, number, pre, output: node.querySelector(".cell_output") };
    cell.published = { code: pre.innerHTML, output: cell.output?.innerHTML };
    cell.run = button("Run", run);
    cell.stop = button("Stop", () => stop(), true);
    cell.reset = button("Reset", reset, true);
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
    cell.status.textContent = "Back to the published code and output";
  }

  addEventListener("DOMContentLoaded", () => {
    const nodes = [...document.querySelectorAll(".cell")].filter((node) => node.querySelector(".cell_input pre"));
    nodes.forEach((node, index) => controls(node, index + 1, settings.needs[index] || []));
  });
}
