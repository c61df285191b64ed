"""The loopback probe: ``POST /`` and ``POST /<any path>`` answer with how the request reached the app.

One part of the app, registered by one line of ``app.BLUEPRINTS``: its routes, hooks and settings
live on its blueprint (``routes.bp``), so deleting this package, ``tests/loopback/`` and that line
leaves the skeleton whole.
"""

from .routes import bp

__all__ = ["bp"]
