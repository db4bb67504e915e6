# -*- coding: utf-8 -*-

"""
requests.sessions
~~~~~~~~~~~~~~~~~

This module provides a Session object to manage and persist settings across
requests (cookies, auth, proxies).
"""


class Session(object):
    """A Requests session."""

    def __init__(self):
        self.headers = {}
        self.proxies = {}
        self.trust_env = True

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    def rebuild_proxies(self, prepared_request, proxies):
        """Re-evaluate the proxy configuration for a redirected request."""
        headers = prepared_request.headers
        new_proxies = dict(proxies or {})

        if 'Proxy-Authorization' in headers:
            del headers['Proxy-Authorization']

        username, password = new_proxies.get('auth', (None, None))
        if username and password:
            headers['Proxy-Authorization'] = '%s:%s' % (username, password)

        return new_proxies

    def request(self, method, url, **kwargs):
        raise NotImplementedError('trimmed example: no network access')

    def close(self):
        pass


def session():
    """Returns a :class:`Session` for context-management."""
    return Session()
