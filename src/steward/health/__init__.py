"""Health of a distribution: technical lag, maintenance, review and upstream signals.

Every metric is a pure function over plain values (releases, commits, forge items), so it
can be computed from the store, from git or from a fake in tests alike; the job that
gathers those values is :mod:`steward.workflows.health`.

>>> from steward.health.lag import technical_lag, UpstreamRelease
>>> import datetime as dt
>>> day = lambda s: dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC)
>>> lag = technical_lag("1.0", [UpstreamRelease("1.0", day("2020-01-01")),
...                             UpstreamRelease("1.1", day("2021-01-01"))], now=day("2021-01-11"))
>>> lag.versions_behind, lag.days_behind, round(lag.libyears, 2)
(1, 10, 1.0)
"""
