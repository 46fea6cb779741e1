"""Loads `xxgk.reader_plugin` (home page, results list, question forms, Excel CSVs, archived
original with its banner) for `datasette --plugins-dir xxgk/datasette_plugins`.

Every `xxgk serve` passes this folder to datasette (see xxgk/serve.py). Registers the real
module once under the name "xxgk_reader".
"""
from datasette.plugins import pm

import xxgk.reader_plugin as _plugin

if not pm.is_registered(_plugin) and pm.get_plugin("xxgk_reader") is None:
    pm.register(_plugin, name="xxgk_reader")
