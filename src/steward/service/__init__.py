"""``steward serve``: the REST API, the webhook receiver and the scheduler, in one process.

A thin shell over :mod:`steward.workflows`: every answer comes from the store the CLI
writes, and every check runs the engine the CLI runs. :func:`create_app` builds the
FastAPI application; :mod:`steward.service.server` runs it with uvicorn.
"""

from steward.service.app import create_app
from steward.service.state import ServiceState

__all__ = ["ServiceState", "create_app"]
