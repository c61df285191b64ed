"""``python -m local_gateway``: serve a stage of zappa_settings.json as API Gateway would (``make run-gateway``)."""

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from .events import HTTP_API, REST, Api
from .function import LambdaFunction
from .server import Gateway, serve
from .settings import SETTINGS_FILE, function_config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local_gateway", description=__doc__)
    parser.add_argument("--stage", default="dev", help="stage of zappa_settings.json to serve (default: dev)")
    parser.add_argument(
        "--http-api", action="store_true", help="act as an HTTP API (payload 2.0); default: a REST API (payload 1.0)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--settings", type=Path, default=SETTINGS_FILE, help="the Zappa settings file")
    parser.add_argument(
        "--integration-timeout",
        type=float,
        help="seconds API Gateway waits for the function (default: 29 for REST, 30 for HTTP APIs)",
    )
    args = parser.parse_args(argv)
    config = function_config(args.stage, args.settings.resolve())
    api = Api(args.stage, HTTP_API if args.http_api else REST, region=config.region)
    # Stopped by Ctrl-C or SIGTERM, the server still stops its worker processes on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        serve(Gateway(api, LambdaFunction(config), args.integration_timeout), args.host, args.port)


if __name__ == "__main__":
    main()
