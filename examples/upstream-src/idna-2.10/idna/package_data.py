__version__ = '2.10'

