# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for scripts/htmldocs ('make htmldocs').
# The kernel's kerneldoc extension and kernel-doc script are unpacked from
# linux-source-6.12 into the directory named by $LU_KDOC.
import os
import sys

_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_kdoc = os.environ.get('LU_KDOC', os.path.join(_root, 'build/kdoc'))
sys.path.insert(0, os.path.join(_kdoc, 'Documentation/sphinx'))

project = 'PCI live update'
copyright = 'The PCI live update authors'
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(_kdoc, 'scripts/kernel-doc')
kerneldoc_srctree = _root
master_doc = 'index'
exclude_patterns = ['ABI']
primary_domain = 'c'
highlight_language = 'none'
html_theme = 'alabaster'
