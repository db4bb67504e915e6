#
# DbTex base class handling the compilation of a DocBook file via
# XSL Transformation and some TeX engine compilation.
#
import os
import shutil
import sys


def which(program):
    """Minimal which(1) used to locate the TeX tools."""
    for path in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(path, program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class DbTex:
    USE_DEBIAN_HACKS = True

    def __init__(self, base=""):
        self.base = base
        self.backend = "pdftex"

    def check_tools(self):
        missing = [tool for tool in ("xsltproc", "pdflatex") if which(tool) is None]
        if missing:
            sys.stderr.write("dblatex: missing tools: %s\n" % ", ".join(missing))
        return not missing
