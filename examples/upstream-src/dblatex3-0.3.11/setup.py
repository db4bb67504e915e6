#!/usr/bin/env python3
# -*- coding: ISO-8859-1 -*-
#
# dblatex python setup script - See the COPYRIGHT
#
from setuptools import setup

setup(name="dblatex",
      version="0.3.11",
      description='DocBook to LaTeX/ConTeXt Publishing',
      author='Benoit Guillon',
      author_email='marsgui@users.sourceforge.net',
      url='http://dblatex.sf.net',
      license='GPL Version 2 or later',
      package_dir={'': 'lib'},
      packages=['dbtexmf', 'dbtexmf.core'],
      scripts=['scripts/dblatex'])
