// First paint from the first packets: run by dryga_site/extension/firstpaint.py after a build.
//
// Reads a job (JSON) on stdin:
//   root        the built site's folder
//   nodeModules where beasties and purgecss are installed (the sources' node_modules)
//   trim        stylesheets of the theme and extensions under root, trimmed by PurgeCSS to the
//               rules that the site's pages and scripts can use; each is written next to its
//               source as NAME.trimmed.css, which the pages then link instead
//   context     the site's own stylesheets: read for the variables they use, never changed
//   pages       the pages written by this build: beasties inlines the rules each one uses
//               (its critical CSS) and makes every stylesheet link load without blocking
//   rootPrefix  how root-relative links start (the 404 page's, served at any address)
// and writes a JSON report on stdout: the sizes of the trimmed stylesheets, the number of pages
// and the tools' warnings.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import zlib from "node:zlib";

const job = JSON.parse(fs.readFileSync(0, "utf8"));
const require = createRequire(path.join(job.nodeModules, "package.json"));
const { PurgeCSS } = require("purgecss");
const Beasties = require("beasties");

const root = path.resolve(job.root);
const warnings = [];
const read = (file) => fs.readFileSync(path.join(root, file), "utf8");
const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [path.relative(root, full).split(path.sep).join("/")];
  });
const files = walk(root).sort();

// -- Trim: the rules of the theme's and extensions' stylesheets that no page can use ----------

// What can use a rule: every page (without the critical CSS inlined by an earlier build) and
// every script the site serves (the theme's and the site's scripts add classes at run time).
// The Python runtime is no such script, and Sphinx's search index is words, not markup.
const pageFiles = files.filter((f) => f.endsWith(".html") && !/(^|\/)[_.]/.test(f));
const scriptFiles = files.filter(
  (f) => f.startsWith("_static/") && f.endsWith(".js") && !f.startsWith("_static/pyodide/"),
);
const withoutStyles = (html) => html.replace(/<style\b[^>]*>[\s\S]*?<\/style>/g, "");
const content = [
  ...pageFiles.map((f) => ({ raw: withoutStyles(read(f)), extension: "html" })),
  ...scriptFiles.map((f) => ({ raw: read(f), extension: "js" })),
];
const sources = job.trim.map((name) => ({ name, raw: read(name) }));
const context = job.context.map((name) => ({ name, raw: read(name) }));
const purgeOptions = { content, keyframes: true, fontFace: true };
// First the rules; then the custom properties that nothing left uses. PurgeCSS removes unused
// variables file by file, so a variable one stylesheet declares and only a later one uses
// would go: the variables in use are worked out over all of them first, and kept.
const rules = await new PurgeCSS().purge({ ...purgeOptions, css: sources });
const DECLARATION = /(--[\w-]+)\s*:([^;{}]*)/g;
const VAR = /var\(\s*(--[\w-]+)/g;
const uses = new Map(); // variable -> the variables its values use
const used = new Set(); // variables used by a property, a page or a script
for (const text of [...rules.map((r) => r.css), ...context.map((c) => c.raw)]) {
  for (const [, name, value] of text.matchAll(DECLARATION)) {
    const names = uses.get(name) ?? new Set();
    for (const [, other] of value.matchAll(VAR)) names.add(other);
    uses.set(name, names);
  }
  for (const [, name] of text.replace(DECLARATION, "").matchAll(VAR)) used.add(name);
}
for (const { raw } of content) for (const [name] of raw.matchAll(/--[\w-]+/g)) used.add(name);
for (const name of used) for (const other of uses.get(name) ?? []) used.add(other);
const trimmed = await new PurgeCSS().purge({
  ...purgeOptions,
  css: rules.map((r) => ({ name: r.file, raw: r.css })),
  variables: true,
  safelist: { variables: [...used] },
});

const gzipped = (text) => zlib.gzipSync(text, { level: 6 }).length;
const renamed = new Map(); // source path -> [trimmed path, its version]
const sheets = [];
for (const { file, css } of trimmed) {
  // The source map describes the untrimmed file. pydata-sphinx-theme 0.17 writes transitions
  // with a quoted delay ("0s"): no time, so browsers drop those declarations; inlined into a
  // page they would be the HTML checker's errors, so they are dropped here as browsers do.
  const text = css
    .replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "")
    .replace(/([;{])\s*transition\s*:[^;{}"]*"[^;{}]*(?=[;}])/g, "$1");
  const target = file.replace(/\.css$/, ".trimmed.css");
  const full = path.join(root, target);
  if (!fs.existsSync(full) || fs.readFileSync(full, "utf8") !== text) fs.writeFileSync(full, text);
  const version = createHash("sha1").update(text).digest("hex").slice(0, 8);
  renamed.set(file, [target, version]);
  const source = sources.find((s) => s.name === file).raw;
  sheets.push({ name: file, bytes: [source.length, text.length], gzip: [gzipped(source), gzipped(text)] });
}

// -- Inline: each page's critical CSS in its head, every stylesheet loaded without blocking -----

// Set on <html> by the head's inline script before the first paint, from the reader's choice,
// so a rule for either value may paint first.
const THEME_ON_ROOT = /^html(?:\[data-(?:theme|mode)=[^\]]*\])+/;
// States that need the reader's hand cannot be on the first paint.
const INTERACTION = /:(?:hover|focus|focus-visible|focus-within|active)(?![\w-])/;
// A closed <dialog> paints nothing: what it holds is left out of the matching.
const CLOSED_DIALOG = /<dialog\b(?![^>]*\sopen[\s=>])[^>]*>[\s\S]*?<\/dialog>/g;

class PageBeasties extends Beasties {
  constructor(options, page) {
    super(options);
    this.page = page;
  }

  // Links are relative to the page, or to the site's root on the 404 page.
  async getCssAsset(href) {
    const url = href.split(/[?#]/)[0];
    const file = url.startsWith(job.rootPrefix)
      ? path.join(root, url.slice(job.rootPrefix.length))
      : path.resolve(root, path.dirname(this.page), url);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) {
      warnings.push(`${this.page}: stylesheet ${href} is not in the build`);
      return undefined;
    }
    return fs.readFileSync(file, "utf8");
  }

  normalizeCssSelector(selector) {
    if (INTERACTION.test(selector)) return "";
    return super.normalizeCssSelector(selector.replace(THEME_ON_ROOT, "*"));
  }
}

const logger = {
  warn: (message) => warnings.push(message),
  error: (message) => warnings.push(String(message)),
  info: () => {},
  debug: () => {},
};
const options = {
  preload: "media", // media="print" until loaded, with a <noscript> link for readers without JS
  fonts: false, // the site's text is in system fonts; never preload the theme's icon font
  reduceInlineStyles: false, // the page's own <style> elements are the page's
  // Each stylesheet's critical rules just before its link, not merged into one <style>: the
  // stylesheets arrive one by one, and an early one (basic.css) loaded after a merged <style>
  // would override the later ones' rules in it until they arrive too, moving things about.
  mergeStylesheets: false,
  compress: true,
  logger,
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
let inlined = 0;
for (const page of job.pages) {
  let html = read(page);
  if (/onload="this\.media='all'"/.test(html)) continue; // inlined by an earlier build
  for (const [source, [target, version]] of renamed) {
    const link = new RegExp(`(href="[^"]*?)${escape(source)}(?:\\?[^"]*)?"`, "g");
    html = html.replace(link, `$1${target}?v=${version}"`);
  }
  const dialogs = [];
  html = html.replace(CLOSED_DIALOG, (dialog) => `<!--first-paint:${dialogs.push(dialog) - 1}-->`);
  let out = await new PageBeasties(options, page).process(html);
  out = out.replace(/(<html\b[^>]*?) data-beasties-container(?:="")?/, "$1");
  out = out.replace(/<!--first-paint:(\d+)-->/g, (_, index) => dialogs[Number(index)]);
  fs.writeFileSync(path.join(root, page), out);
  inlined += 1;
}

process.stdout.write(JSON.stringify({ sheets, pages: inlined, warnings }));
