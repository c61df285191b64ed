"""The app that Zappa runs on Lambda (``app_function`` ``app.wsgi.app``) and ``flask run`` serves.

The one module that builds an app when imported.
"""

from . import create_app
from .stages import UnknownStageError

try:
    app = create_app()
except UnknownStageError as error:
    # A wrong LOOPBACK_STAGE on a laptop or in CI: one line, not a traceback.
    raise SystemExit(str(error)) from None
