"""hello_app behind serverless-wsgi, as the Serverless Framework's wsgi plugin calls it."""

import serverless_wsgi
from hello_app import app


def lambda_handler(event: dict, context: object) -> dict:
    return serverless_wsgi.handle_request(app, event, context)
