"""
A library to support the Internationalised Domain Names in Applications
(IDNA) protocol as specified in RFC 5890 et.al.
"""

from setuptools import setup

version_info = {}
exec(open('idna/package_data.py').read(), version_info)

setup(
    name='idna',
    version=version_info['__version__'],
    description='Internationalized Domain Names in Applications (IDNA)',
    author='Kim Davies',
    author_email='kim@cynosure.com.au',
    license='BSD-like',
    url='https://github.com/kjd/idna',
    packages=['idna'],
    python_requires='>=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*',
)
