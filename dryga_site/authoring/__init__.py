"""The author's commands: ``new``, ``preview`` and ``check``, the settings they build with, the
link checker and a local server like the static host's."""
