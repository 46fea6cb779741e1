"""Only for `scrapyd-deploy`, which builds the project's egg by running `setup.py clean -a` and
`setup.py bdist_egg -d DIR` (and writes a setup.py of its own into the checkout when there is
none). Everything about the package is in pyproject.toml; `make install` and pip read that.

For those two commands, setuptools' build folders (build/, the egg-info) go to a temporary
folder removed when the command ends: deploying leaves nothing in the checkout, and a stale
egg-info there cannot hide the egg's entry points.
"""
import atexit
import os
import shutil
import sys
import tempfile

from setuptools import setup

options = {}
if {"bdist_egg", "clean"} & set(sys.argv[1:]):
    scratch = tempfile.mkdtemp(prefix="xxgk-egg-build-")
    atexit.register(shutil.rmtree, scratch, True)
    options = {"build": {"build_base": os.path.join(scratch, "build")},
               "egg_info": {"egg_base": scratch},
               "bdist_egg": {"bdist_dir": os.path.join(scratch, "bdist")}}

setup(options=options)
