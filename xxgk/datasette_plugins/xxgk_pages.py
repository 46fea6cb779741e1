"""Loads `xxgk.pages_plugin` (report, agency and chart pages) for
`datasette --plugins-dir xxgk/datasette_plugins`.

Every `xxgk serve` passes this folder to datasette (see xxgk/serve.py). Registers the
real module once under the name "xxgk_pages".
"""
from datasette.plugins import pm

import xxgk.pages_plugin as _plugin

if not pm.is_registered(_plugin) and pm.get_plugin("xxgk_pages") is None:
    pm.register(_plugin, name="xxgk_pages")
