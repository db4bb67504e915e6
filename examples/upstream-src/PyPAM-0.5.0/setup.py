#!/usr/bin/env python

from distutils.core import setup, Extension

setup(name="PyPAM",
      version="0.5.0",
      description="PAM bindings for Python",
      author="Rob Riggs",
      author_email="rob@pangalactic.org",
      url="http://www.pangalactic.org/PyPAM",
      ext_modules=[Extension("PAMmodule", ["PAMmodule.c"], libraries=["pam", "pam_misc"])])
