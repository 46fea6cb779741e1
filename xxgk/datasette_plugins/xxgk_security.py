"""Loads `xxgk.security_plugin` (CSP, frame and sniffing headers on every response) for
`datasette --plugins-dir xxgk/datasette_plugins`.

Every `xxgk serve` passes this folder to datasette (see xxgk/serve.py). Registers the real
module once under the name "xxgk_security".
"""
from datasette.plugins import pm

import xxgk.security_plugin as _plugin

if not pm.is_registered(_plugin) and pm.get_plugin("xxgk_security") is None:
    pm.register(_plugin, name="xxgk_security")
