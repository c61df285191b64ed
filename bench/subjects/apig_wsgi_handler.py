"""hello_app behind apig-wsgi, as its README sets it up for a REST API with binary media types."""

from apig_wsgi import make_lambda_handler
from hello_app import app

lambda_handler = make_lambda_handler(app, binary_support=True)
