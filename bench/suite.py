"""The whole benchmark in one run: build the packages, lay out each subject as Lambda would run it,
measure cold starts, warm requests and memory, and summarise."""

import base64
import compileall
import json
import os
import re
import shutil
import statistics
import sys
import sysconfig
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from local_gateway import lambda_layout
from local_gateway.events import Api, HttpRequest, proxy_event
from local_gateway.settings import function_config, lambda_environment

from . import packages
from .measure import Run, Subject, cold_split_ms, run_subject

SUBJECTS_FOLDER = Path(__file__).resolve().parent / "subjects"
STAGE = "prod"
# The warm-only variants of the loopback that price logging: Zappa's log_level set otherwise.
LOG_LEVEL_VARIANTS = {"loopback-warning": "WARNING", "loopback-debug": "DEBUG"}


@dataclass(frozen=True)
class Config:
    cold_runs: int = 30  # cold starts per subject, interleaved: round after round, each subject once
    split_runs: int = 5  # cold starts per subject under -X importtime, for the split
    warm_up: int = 1_000
    invocations: int = 50_000  # warm invocations per subject, each timed; RSS is read before and after
    # The warm ratios: short warm runs, round after round, each subject once per round (as the cold starts).
    warm_rounds: int = 10
    round_invocations: int = 2_000  # timed, after warm_up / 5 untimed


QUICK = Config(cold_runs=2, split_runs=1, warm_up=5, invocations=50, warm_rounds=2, round_invocations=20)


def loopback_event() -> dict[str, Any]:
    """A REST API (payload 1.0) POST as API Gateway sends it to the prod stage through Zappa's {proxy+} route."""
    request = HttpRequest(
        "POST",
        "/prod/orders/7?tag=a&tag=b",
        [
            ("Host", "abcdef1234.execute-api.ap-northeast-2.amazonaws.com"),
            ("User-Agent", "curl/8.5.0"),
            ("Accept", "*/*"),
            ("Content-Type", "application/json"),
        ],
        b'{"hello": "world", "items": [1, 2, 3]}',
    )
    return proxy_event(request, Api(STAGE))


def with_settings(settings_module: str, **values: str) -> str:
    """The text of a generated zappa_settings.py with the given ``NAME=value`` lines replaced."""
    for name, value in values.items():
        settings_module = re.sub(rf"^{name}=.*$", f"{name}={value!r}", settings_module, flags=re.MULTILINE)
    return settings_module


def lay_out_subjects(work: Path, package: Path) -> tuple[list[Subject], list[Subject]]:
    """Every subject's folders and environment; returns (subjects, warm-only variants of ours)."""
    config = function_config(STAGE)
    environment = lambda_environment(config, "bench")
    runtime = str(lambda_layout.runtime_folder(work / "runtime"))
    # The baselines run from this virtualenv, whose bytecode uv compiled at install; their own
    # folder is compiled here, so every module they import has valid bytecode.
    site_packages = sysconfig.get_paths()["purelib"]
    hello = work / "subjects"
    shutil.copytree(SUBJECTS_FOLDER, hello, ignore=shutil.ignore_patterns("__pycache__"))
    hello_settings = with_settings(config.settings_module, APP_MODULE="hello_app", APP_FUNCTION="app")
    (hello / "zappa_settings.py").write_text(hello_settings)
    compileall.compile_dir(hello, quiet=1)

    def ours(key: str, label: str, task_root: Path) -> Subject:
        return Subject(
            key,
            label,
            "ours",
            (str(task_root), runtime),
            config.handler,
            None,  # built by Zappa's handler through importlib, at init: the split shows it in "other init"
            {**environment, **config.environment, "LAMBDA_TASK_ROOT": str(task_root)},
            str(task_root),
        )

    def theirs(key: str, label: str, role: str, handler: str, app_module: str | None) -> Subject:
        variables = {**environment, "_HANDLER": handler}
        return Subject(key, label, role, (str(hello), site_packages), handler, app_module, variables, str(hello))

    subjects = [
        theirs("bare", "bare handler (floor)", "baseline", "bare_handler.lambda_handler", None),
        theirs("zappa-hello", "hello-world Flask via Zappa", "baseline", "zappa.handler.lambda_handler", "hello_app"),
        theirs("apig-wsgi", "hello-world Flask via apig-wsgi", "peer", "apig_wsgi_handler.lambda_handler", "hello_app"),
        theirs(
            "serverless-wsgi",
            "hello-world Flask via serverless-wsgi",
            "peer",
            "serverless_wsgi_handler.lambda_handler",
            "hello_app",
        ),
        ours("loopback", "loopback, prod package", lambda_layout.unzip_read_only(package, work / "task")),
    ]
    with zipfile.ZipFile(package) as archive:
        packaged_settings = archive.read("zappa_settings.py").decode()
    variants = []
    for key, level in LOG_LEVEL_VARIANTS.items():
        settings = with_settings(packaged_settings, LOG_LEVEL=level)
        task_root = lambda_layout.unzip_read_only(package, work / f"task-{key}", {"zappa_settings.py": settings})
        variants.append(ours(key, f"loopback, prod package, log_level {level}", task_root))
    return subjects, variants


def summarise_cold(
    runs: list[dict[str, Any]], splits: list[dict[str, float]], import_times: list[dict[str, int]]
) -> dict[str, Any]:
    in_order = [(run["answered_ns"] - run["spawn_ns"]) / 1e6 for run in runs]
    totals = sorted(in_order)
    quartiles = statistics.quantiles(totals, n=4, method="inclusive") if len(totals) > 1 else [totals[0]] * 3
    return {
        "runs": len(totals),
        "rounds_ms": in_order,  # one per round, in order: report.py pairs them with the baselines' rounds
        "median_ms": statistics.median(totals),
        "p25_ms": quartiles[0],
        "p75_ms": quartiles[2],
        "min_ms": totals[0],
        "max_ms": totals[-1],
        "split_ms": {part: statistics.median(split[part] for split in splits) for part in splits[0]},
        # Each module's own import time, median of the -X importtime runs (0 in a run that did not import it).
        "import_self_ms": {
            module: statistics.median(times.get(module, 0) for times in import_times) / 1000
            for module in sorted({module for times in import_times for module in times})
        },
        "peak_rss_mb": statistics.median(run["peak_rss_bytes"] for run in runs) / 2**20,
    }


def summarise_warm(figures: dict[str, Any]) -> dict[str, Any]:
    timings = sorted(figures["request_ns"])
    count = len(timings)
    return {
        "invocations": count,
        "median_us": statistics.median(timings) / 1000,
        "p99_us": timings[min(count - 1, round(0.99 * (count - 1)))] / 1000,
        "requests_per_second": count / (sum(timings) / 1e9),
        "rss_growth_mb": figures["rss_growth_bytes"] / 2**20,
        "log_bytes_per_request": figures["log_bytes"] / count,
    }


def first_answer(subject: Subject, figures: dict[str, Any]) -> dict[str, Any]:
    """The body of the subject's first answer; a subject that did not answer 200 with JSON stops the benchmark."""
    response = figures["first_response"]
    if response.get("statusCode") != 200:
        raise RuntimeError(f"{subject.label} answered {response.get('statusCode')}: {response.get('body')!r:.300}")
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body)
    return json.loads(body)


def check_answer(subject: Subject, answer: dict[str, Any]) -> None:
    if subject.role == "ours":
        assert answer["extras"]["app-stage"] == STAGE and answer["event"]["body-json"]["hello"] == "world", answer
    else:
        assert answer == {"message": "hello, world"}, answer


def prepare_run(work: Path) -> Run:
    """What every runner gets: the loopback event, the prod function's identity, and a folder for logs."""
    function = function_config(STAGE)
    logs = work / "logs"
    logs.mkdir()
    event_file = work / "event.json"
    event_file.write_text(json.dumps(loopback_event()))
    return Run(event_file, function.arn, function.timeout_seconds * 1000, logs)


def run_suite(config: Config, zappa: list[str], work: Path, progress=print) -> dict[str, Any]:
    """Measure everything once and return the raw results (``report.py`` turns them into the table and plot)."""
    progress("building the prod package and stock Zappa's package of the same app")
    package = packages.build_prod(zappa, work)
    stock = packages.build_stock(zappa, work)
    subjects, variants = lay_out_subjects(work, package)
    run = prepare_run(work)

    cold: dict[str, list] = {subject.key: [] for subject in subjects}
    splits: dict[str, list] = {subject.key: [] for subject in subjects}
    import_times: dict[str, list] = {subject.key: [] for subject in subjects}
    progress(f"cold starts: {config.cold_runs} per subject, then {config.split_runs} under -X importtime")
    for _ in range(config.cold_runs):  # interleaved, so that a slow moment of the machine hits every subject
        for subject in subjects:
            figures = run_subject(subject, run, "cold")
            check_answer(subject, first_answer(subject, figures))
            cold[subject.key].append(figures)
    for _ in range(config.split_runs):
        for subject in subjects:
            figures = run_subject(subject, run, "cold", import_time=True)
            splits[subject.key].append(cold_split_ms(figures, subject.app_module))
            import_times[subject.key].append(figures["import_self_us"])

    warm = {}
    for subject in [*subjects, *variants]:
        progress(f"warm: {config.invocations} invocations of {subject.label}")
        figures = run_subject(subject, run, "warm", invocations=config.invocations, warm_up=config.warm_up)
        check_answer(subject, first_answer(subject, figures))
        warm[subject.key] = summarise_warm(figures)
    progress(f"warm rounds: {config.warm_rounds} of {config.round_invocations} invocations per subject")
    for _ in range(config.warm_rounds):
        for subject in [*subjects, *variants]:
            figures = run_subject(
                subject, run, "warm", invocations=config.round_invocations, warm_up=config.warm_up // 5
            )
            warm[subject.key].setdefault("rounds_median_us", []).append(statistics.median(figures["request_ns"]) / 1000)

    return {
        "config": asdict(config),
        "machine": {"python": sys.version.split()[0], "platform": sys.platform, "cpus": _cpus()},
        "limits": {"zipped_bytes": 50 * 10**6, "unzipped_bytes": 250 * 10**6},
        "packages": {
            "loopback-prod": asdict(packages.package_size(package)),
            "stock-zappa": asdict(packages.package_size(stock)),
        },
        "subjects": {
            subject.key: {
                "label": subject.label,
                "role": subject.role,
                "cold": summarise_cold(cold[subject.key], splits[subject.key], import_times[subject.key])
                if subject in subjects
                else None,
                "warm": warm[subject.key],
            }
            for subject in [*subjects, *variants]
        },
    }


def _cpus() -> int:
    return len(os.sched_getaffinity(0))
