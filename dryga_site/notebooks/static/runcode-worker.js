/* The Python of a post's run controls (dryga_site/notebooks/static/runcode.js), in a module Web
   Worker so the page stays responsive and Stop can end it. Pyodide comes from the site's own
   _static/pyodide/, given in the first message; the code to run arrives in later ones.

   Warm start: Python's start-up (about 2 s of a first Run) is skipped on every page after the
   first by restoring a Pyodide memory snapshot. The snapshot is taken right after start-up,
   before any of the reader's code runs, and written to Cache Storage only once the reader's
   first Run has finished; it is kept under a name holding the Pyodide version and the site's
   runtime build, with its SHA-256. A snapshot that is missing, damaged or made by another build
   is not used: it is deleted and Python starts normally. */
const HELPERS = `
import builtins, io, linecache, pprint, traceback
from contextlib import redirect_stderr, redirect_stdout
from pyodide.code import eval_code

LIMIT = 100_000  # characters of output kept per run; the page says how many were cut
NAMESPACE = {"__name__": "__main__"}


class Capped(io.TextIOBase):
    """stdout and stderr of one run: the first LIMIT characters, and how many there were."""

    def __init__(self):
        self.parts, self.kept, self.total = [], 0, 0

    def writable(self):
        return True

    def write(self, text):
        self.total += len(text)
        if self.kept < LIMIT:
            self.parts.append(text[: LIMIT - self.kept])
            self.kept += len(self.parts[-1])
        return len(text)


def no_input(prompt=""):
    raise RuntimeError(
        "input() cannot ask for text here: the page has no keyboard input for code. "
        "Put the value in the code instead, for example answer = '42'."
    )


builtins.input = no_input


def run_cell(source, number):
    """Run one cell like Jupyter: its output, the repr of its last expression, a short traceback."""
    name = f"<cell {number}>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    out, error = Capped(), ""
    with redirect_stdout(out), redirect_stderr(out):
        try:
            value = eval_code(source, NAMESPACE, filename=name)
            if value is not None:
                print(pprint.pformat(value, sort_dicts=False))
        except BaseException as exc:
            tb = exc.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != name:
                tb = tb.tb_next
            error = "".join(traceback.format_exception(type(exc), exc, tb, limit=-8))
    return "".join(out.parts), error, out.total


def restored():
    """After a snapshot is restored: fresh random numbers, then proof that the helpers work."""
    import random

    random.seed()
    return run_cell("6 * 7", 0)[0]
`;

let runCell = null;
let unsaved = null; // the snapshot this worker made, written after the reader's first Run
let downloadFailed = false;

// Pyodide only warns when one of its files fails to download, and then waits for ever: report
// the failure to the page instead, which offers a retry.
const fetchFile = globalThis.fetch;
globalThis.fetch = async (url, ...rest) => {
  const name = String(url).split("/").pop();
  try {
    const response = await fetchFile(url, ...rest);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response;
  } catch (error) {
    downloadFailed = true;
    postMessage({ type: "failed", message: `${name} did not download: ${error.message}` });
    throw error;
  }
};

/** The snapshot is kept in Cache Storage, in a cache named after the Pyodide version and build. */
const STORE = "runcode-snapshot";

const snapshotPlace = (runtime, version, build) =>
  ({ build, name: `${STORE} ${version} ${build}`, url: `${runtime}memory-snapshot` });

const sha256 = async (bytes) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (b) => b.toString(16).padStart(2, "0")).join("");

/** The saved snapshot's response, if this version and build saved one (no cache is created). */
async function savedSnapshot(place) {
  if (!place.build || !globalThis.caches) return null;
  try {
    return (await caches.match(place.url, { cacheName: place.name })) || null;
  } catch {
    return null; // storage blocked or unavailable: start normally
  }
}

/** Its bytes, if they still have the SHA-256 written with them. */
async function checked(response) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length % 4 || (await sha256(bytes)) !== response.headers.get("x-sha256")) {
    throw new Error("the saved snapshot is damaged");
  }
  return bytes;
}

async function forget(place) {
  try {
    await caches.delete(place.name);
  } catch {}
}

/** Write the snapshot, replacing any other build's; a full or blocked store means a cold start. */
async function save({ place, bytes }) {
  try {
    const headers = { "content-type": "application/octet-stream", "x-sha256": await sha256(bytes) };
    for (const name of await caches.keys()) {
      if (name.startsWith(`${STORE} `) && name !== place.name) await caches.delete(name);
    }
    const cache = await caches.open(place.name);
    await cache.put(place.url, new Response(bytes, { headers }));
  } catch (error) {
    console.warn(`Python's snapshot was not saved: ${error.message}`);
  }
}

/** Python restored from the saved snapshot, or null (and the snapshot deleted) if it cannot be. */
async function warmStart(loadPyodide, runtime, place) {
  const response = await savedSnapshot(place);
  if (!response) return null;
  try {
    const bytes = checked(response);
    bytes.catch(() => {}); // reported by loadPyodide, which waits for it
    const pyodide = await loadPyodide({ indexURL: runtime, _loadSnapshot: bytes });
    const check = pyodide.globals.get("restored");
    const answer = check?.();
    check?.destroy();
    if (answer !== "42\n") throw new Error("its helpers do not work");
    return pyodide;
  } catch (error) {
    if (downloadFailed) throw error; // the page says so and offers a retry; the snapshot is fine
    const why = String(error?.message || error).split("\n")[0];
    console.warn(`The saved snapshot of Python was not used (${why}); starting afresh`);
    await forget(place);
    return null;
  }
}

async function coldStart(loadPyodide, runtime, place) {
  const saving = Boolean(place.build && globalThis.caches);
  const pyodide = await loadPyodide({ indexURL: runtime, _makeSnapshot: saving });
  pyodide.runPython(HELPERS);
  if (saving) {
    try {
      unsaved = { place, bytes: pyodide.makeMemorySnapshot() }; // before any of the reader's code
    } catch (error) {
      console.warn(`Python's snapshot was not made: ${error.message}`);
    }
  }
  return pyodide;
}

onmessage = async ({ data }) => {
  if (data.type === "load") {
    try {
      const { loadPyodide, version } = await import(`${data.runtime}pyodide.mjs`);
      const place = snapshotPlace(data.runtime, version, data.build);
      const pyodide =
        (await warmStart(loadPyodide, data.runtime, place)) ||
        (await coldStart(loadPyodide, data.runtime, place));
      pyodide.setStdin({ error: true });
      runCell = pyodide.globals.get("run_cell");
      postMessage({ type: "ready" });
    } catch (error) {
      postMessage({ type: "failed", message: String(error?.message || error).split("\n")[0] });
    }
    return;
  }
  const result = runCell(data.code, data.number);
  const [text, error, total] = result.toJs();
  result.destroy();
  postMessage({ type: "result", id: data.id, text, error, total });
  if (unsaved) {
    const snapshot = unsaved;
    unsaved = null;
    await save(snapshot); // only now, after the reader's first Run
  }
};
