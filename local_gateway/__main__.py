"""``python -m local_gateway``: serve a stage of zappa_settings.json as API Gateway would (``make run-gateway``)."""

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from .events import HTTP_API, REST, Api
from .function import IDLE_SECONDS, LambdaFunction
from .runtime import package_code, package_stage, source_code
from .server import Gateway, serve
from .settings import SETTINGS_FILE, custom_domain, function_config

DEFAULT_STAGE = "dev"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local_gateway", description=__doc__)
    parser.add_argument(
        "--stage", help=f"stage of zappa_settings.json to serve (default: the package's, else {DEFAULT_STAGE})"
    )
    parser.add_argument(
        "--http-api", action="store_true", help="act as an HTTP API (payload 2.0); default: a REST API (payload 1.0)"
    )
    parser.add_argument(
        "--custom-domain",
        action="store_true",
        help="serve the stage as reached through its custom domain (its `domain`, else the Host sent), "
        "with no stage in the path: http://HOST:PORT/health",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--settings", type=Path, default=SETTINGS_FILE, help="the Zappa settings file")
    parser.add_argument(
        "--package",
        type=Path,
        help="run this zip from `make package` (dist/loopback-STAGE.zip) as Lambda would, instead of the source tree",
    )
    parser.add_argument(
        "--integration-timeout",
        type=float,
        help="seconds API Gateway waits for the function (default: 29 for REST, 30 for HTTP APIs)",
    )
    parser.add_argument(
        "--concurrency",
        type=_non_negative(int),
        help="most execution environments at once, past which requests are throttled "
        "(default: the stage's lambda_concurrency, else 4)",
    )
    parser.add_argument(
        "--idle-seconds",
        type=_non_negative(float),
        default=IDLE_SECONDS,
        help=f"stop an execution environment idle this long, as Lambda reclaims them (default: {IDLE_SECONDS:g})",
    )
    parser.add_argument(
        "--preload", type=Path, help="a Python file each execution environment runs before it imports the handler"
    )
    args = parser.parse_args(argv)
    stage = args.stage or DEFAULT_STAGE
    if args.package:
        try:
            built_for = package_stage(args.package)
        except ValueError as error:
            parser.error(str(error))
        if args.stage and args.stage != built_for:
            parser.error(f"{args.package} was built for stage {built_for!r}, not {args.stage!r}")
        stage = built_for
    config = function_config(stage, args.settings.resolve())
    try:
        domain = custom_domain(stage, args.settings.resolve()) if args.custom_domain else None
    except ValueError as error:
        parser.exit(2, f"{parser.prog}: {error}\n")
    api = Api(stage, HTTP_API if args.http_api else REST, region=config.region, custom_domain=domain)
    # Stopped by Ctrl-C or SIGTERM, the server still stops its worker processes on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt), contextlib.ExitStack() as stack:
        code = stack.enter_context(package_code(args.package) if args.package else source_code(config.settings_module))
        preload = args.preload and args.preload.resolve()
        function = LambdaFunction(config, code, args.concurrency, args.idle_seconds, preload)
        serve(Gateway(api, function, args.integration_timeout), args.host, args.port)


def _non_negative(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text} is negative")
        return value

    return parse


if __name__ == "__main__":
    main()
