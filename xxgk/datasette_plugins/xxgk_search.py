"""Loads `xxgk.search_plugin` for `datasette --plugins-dir xxgk/datasette_plugins`.

Every `xxgk serve` passes this folder to datasette (see xxgk/serve.py). Registers the real
module once under the name "xxgk".
"""
from datasette.plugins import pm

import xxgk.search_plugin as _plugin

if not pm.is_registered(_plugin) and pm.get_plugin("xxgk") is None:
    pm.register(_plugin, name="xxgk")
