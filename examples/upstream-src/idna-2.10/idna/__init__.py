from .package_data import __version__
from .core import *
