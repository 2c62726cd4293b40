/* The Python of a post's run controls (dryga_site/static/runcode.js), in a module Web Worker so
   the page stays responsive and Stop can end it. Pyodide comes from the site's own
   _static/pyodide/, given in the first message; the code to run arrives in later ones. */
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
`;

let runCell = null;

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
    postMessage({ type: "failed", message: `${name} did not download: ${error.message}` });
    throw error;
  }
};

onmessage = async ({ data }) => {
  if (data.type === "load") {
    try {
      const { loadPyodide } = await import(`${data.runtime}pyodide.mjs`);
      const pyodide = await loadPyodide({ indexURL: data.runtime });
      pyodide.setStdin({ error: true });
      pyodide.runPython(HELPERS);
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
};
