"""A local API Gateway: serves HTTP on 127.0.0.1 through Zappa's real Lambda handler.

Each HTTP request becomes the proxy event API Gateway would send (``events``), runs in a
Lambda-like worker process (``worker``) with the stage's timeout, memory size and concurrency
(``function``), from the source tree or from the built package (``runtime``), and its proxy
response goes back out as HTTP (``responses``), with API Gateway's limits and errors.
Development tooling: ``zappa_settings.json`` keeps this package out of the Lambda package.
"""
