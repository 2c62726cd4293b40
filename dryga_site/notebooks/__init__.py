"""Posts whose code runs: the fenced room cells run in, failed runs, downloads, math,
citations, margin notes, per-page numbering and the in-page run controls (with their static
files)."""
