"""Every kind of event Zappa's handler serves besides HTTP still works through lambda_entry.py, and only the
kinds that use AWS import boto3, on first use.

Each case is one execution environment of the prod package (tests/support/cold_start.py): unzipped as
Lambda's /var/task with the zappa_settings.py that Zappa's own loader writes for the settings the case
adds (``events``, ``remote_env``, ``slim_handler``), and tests/runtime/event_functions.py as the project's
module of event functions. AWS is moto's server on 127.0.0.1.
"""

import ast
import io
import json
import shutil
import tarfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from importlib.util import cache_from_source
from pathlib import Path

import pytest
from zappa.core import Zappa

from tests.runtime.aws_events import (
    ACCOUNT,
    direct_invocation,
    dynamodb_stream_event,
    s3_put_event,
    scheduled_event,
    sns_event,
    sqs_event,
)
from tests.support import PROJECT_ROOT
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.cold_start import ColdStart, Layout, cold_start, lambda_layout, settings_module
from tests.support.events import answer_of
from tests.support.lambda_package import Package, event_for_stage
from tests.support.stage_settings import stage_settings

pytestmark = pytest.mark.slow

STAGE = "prod"
CONFIGURED = stage_settings(STAGE)
REGION = CONFIGURED.aws_region
FUNCTIONS = {"event_functions.py": (Path(__file__).parent / "event_functions.py").read_text()}

UPLOADS_BUCKET = "loopback-test-uploads"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:loopback-notices"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:loopback-jobs"
STREAM_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/loopback-items/stream/2026-11-25T00:00:00.000"
# The stage's `events` setting, as Zappa documents it: functions for event sources and a schedule.
EVENTS = [
    {
        "function": "event_functions.on_upload",
        "event_source": {"arn": f"arn:aws:s3:::{UPLOADS_BUCKET}", "events": ["s3:ObjectCreated:*"]},
    },
    {"function": "event_functions.on_notice", "event_source": {"arn": TOPIC_ARN, "events": ["sns:Publish"]}},
    {"function": "event_functions.on_messages", "event_source": {"arn": QUEUE_ARN, "batch_size": 10}},
    {
        "function": "event_functions.on_changes",
        "event_source": {"arn": STREAM_ARN, "starting_position": "TRIM_HORIZON"},
    },
    {"function": "event_functions.nightly", "expression": "rate(1 day)"},
]


def rule_name(function: str, name: str | None = None) -> str:
    """The EventBridge rule Zappa schedules ``function`` with: its handler finds the function in the name."""
    event = {"function": function, **({"name": name} if name else {})}
    # Zappa's own naming, on an instance without the AWS clients its constructor makes: naming needs none.
    return Zappa.__new__(Zappa).get_scheduled_event_name(event, function, CONFIGURED.lambda_name)


def assert_boto3_loaded(run: ColdStart, expected: bool) -> None:
    assert (run.loaded("boto3"), run.loaded("botocore")) == (expected, expected), sorted(run.module_files)


@pytest.fixture(scope="module")
def events_layout(prod_package: Package, tmp_path_factory) -> Layout:
    """The package with the stage's `events` mapped to event_functions.py."""
    folder = tmp_path_factory.mktemp("events")
    settings = settings_module(STAGE, folder / "settings", events=EVENTS)
    return lambda_layout(prod_package.zip_path, folder, {"zappa_settings.py": settings, **FUNCTIONS})


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as emulator:
        yield emulator


def create_bucket(emulator: Emulator, name: str) -> None:
    emulator.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


# Keep-warm and scheduled functions: EventBridge "Scheduled Event"s, told apart by the rule's name.


def test_keep_warm_ping_returns_with_the_app_built(events_layout, tmp_path):
    assert CONFIGURED.stage_config["keep_warm"] is True  # the prod stage's function gets these pings
    # The rule `zappa deploy` schedules for keep_warm: its target is handler.keep_warm_callback.
    ping = scheduled_event(REGION, rule_name("handler.keep_warm_callback", name="zappa-keep-warm"))
    run = cold_start(events_layout, STAGE, [ping], tmp_path)
    assert run.results == [None]
    assert run.loaded("app.wsgi")  # what the ping keeps warm: the app, built at init
    assert not run.loaded("handler")  # Zappa's handler answers the ping without importing the rule's target
    assert_boto3_loaded(run, False)


def test_scheduled_function_runs(events_layout, tmp_path):
    event = scheduled_event(REGION, rule_name("event_functions.nightly"))
    run = cold_start(events_layout, STAGE, [event], tmp_path)
    assert run.results == [{"rule": event["resources"][0], "kwargs": {}}]
    assert_boto3_loaded(run, False)


# Direct invocations: `zappa invoke`, `zappa invoke --raw` and `zappa manage`.


def test_command_runs_the_named_function(events_layout, tmp_path):
    event = direct_invocation("command", "event_functions.report", note="from zappa invoke --payload")
    run = cold_start(events_layout, STAGE, [event], tmp_path)
    assert run.results == [{"event": event, "function_name": CONFIGURED.lambda_name}]
    assert "Result of event_functions.report:" in run.stdout
    assert_boto3_loaded(run, False)


def test_raw_command_runs_the_python_it_is_given(events_layout, tmp_path):
    event = direct_invocation("raw_command", "print('raw command says', 6 * 7)")
    run = cold_start(events_layout, STAGE, [event], tmp_path)
    assert run.results == [None]
    assert "raw command says 42" in run.stdout
    assert_boto3_loaded(run, False)


# `manage` is for Django projects only (Zappa's CLI refuses it without django_settings). Django is not a
# dependency of this project, so a stand-in of the two Django entry points Zappa's handler calls is put in
# the package: get_wsgi_application (at init) and call_command, which logs what it was asked to run.
DJANGO_STAND_IN = {
    "django/__init__.py": "",
    "django/core/__init__.py": "",
    "django/core/wsgi.py": (
        "def get_wsgi_application():\n"
        "    def application(environ, start_response):\n"
        "        start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "        return [b'django']\n"
        "    return application\n"
    ),
    "django/core/management/__init__.py": (
        "import json, os\n"
        "def call_command(name, *args):\n"
        "    print(json.dumps({'call_command': [name, *args], 'settings': os.environ['DJANGO_SETTINGS_MODULE']}))\n"
    ),
}


def test_manage_runs_the_django_management_command(prod_package, tmp_path):
    # A Django project's settings: django_settings instead of app_function.
    settings = settings_module(STAGE, tmp_path / "settings", app_function=None, django_settings="site.settings")
    layout = lambda_layout(
        prod_package.zip_path, tmp_path / "lambda", {"zappa_settings.py": settings, **DJANGO_STAND_IN}
    )
    run = cold_start(layout, STAGE, [direct_invocation("manage", "migrate --check")], tmp_path / "run")
    assert run.results == [{}]
    logged = json.dumps({"call_command": ["migrate", "--check"], "settings": "site.settings"})
    assert logged in run.stdout.splitlines()
    assert_boto3_loaded(run, False)


# Event sources: Zappa's handler finds the function in AWS_EVENT_MAPPING by the source's ARN.


def test_s3_upload_runs_the_mapped_function_which_reads_the_object_with_boto3(events_layout, emulator, tmp_path):
    create_bucket(emulator, UPLOADS_BUCKET)
    key, body = "incoming/hello world.txt", b"uploaded to S3"
    emulator.client("s3").put_object(Bucket=UPLOADS_BUCKET, Key=key, Body=body)
    # Zappa's S3 event source names the bucket notification after the function ("loopback-prod"), so
    # the handler dispatches on the bucket's ARN, not on configurationId.
    event = s3_put_event(REGION, UPLOADS_BUCKET, key, body, configuration_id=CONFIGURED.lambda_name)
    run = cold_start(events_layout, STAGE, [event], tmp_path, environment=emulator.environment())
    assert run.results == [{"objects": [{"bucket": UPLOADS_BUCKET, "key": key, "body": body.decode()}]}]
    assert f"/{UPLOADS_BUCKET}/{key}" in emulator.requests_to("s3", "GET")
    assert_boto3_loaded(run, True)


def test_sns_notification_runs_the_mapped_function(events_layout, tmp_path):
    run = cold_start(events_layout, STAGE, [sns_event(TOPIC_ARN, "Nightly report", "Hello from SNS!")], tmp_path)
    expected = {"TopicArn": TOPIC_ARN, "Subject": "Nightly report", "Message": "Hello from SNS!"}
    assert run.results == [{"notices": [expected]}]
    assert_boto3_loaded(run, False)


def test_sqs_batch_runs_the_mapped_function(events_layout, tmp_path):
    run = cold_start(events_layout, STAGE, [sqs_event(QUEUE_ARN, ["first job", "second job"])], tmp_path)
    assert run.results == [{"bodies": ["first job", "second job"], "batchItemFailures": []}]
    assert_boto3_loaded(run, False)


def test_dynamodb_stream_batch_runs_the_mapped_function(events_layout, tmp_path):
    run = cold_start(events_layout, STAGE, [dynamodb_stream_event(STREAM_ARN)], tmp_path)
    [result] = run.results
    assert result == {
        "changes": [
            ["INSERT", {"Message": {"S": "New item!"}, "Id": {"N": "101"}}],
            ["MODIFY", {"Message": {"S": "This item has changed"}, "Id": {"N": "101"}}],
        ]
    }
    assert_boto3_loaded(run, False)


# Settings that make Zappa's handler fetch from S3 at init.


def test_remote_env_from_s3_reaches_the_app(prod_package, emulator, tmp_path):
    create_bucket(emulator, "loopback-test-config")
    # The prod function masks sensitive headers (LOOPBACK_MASK_SENSITIVE_HEADERS in its environment);
    # Zappa's handler lets the remote file override the function's variables, before the app is built.
    remote = {"LOOPBACK_MASK_SENSITIVE_HEADERS": "false", "LOOPBACK_REMOTE_NOTE": "from S3"}
    emulator.client("s3").put_object(Bucket="loopback-test-config", Key="prod/env.json", Body=json.dumps(remote))
    settings = settings_module(STAGE, tmp_path / "settings", remote_env="s3://loopback-test-config/prod/env.json")
    layout = lambda_layout(prod_package.zip_path, tmp_path / "lambda", {"zappa_settings.py": settings, **FUNCTIONS})
    request = event_for_stage("rest_v1__prod_secrets", STAGE)
    read_back = direct_invocation("command", "event_functions.variables", names=list(remote))
    run = cold_start(layout, STAGE, [request, read_back], tmp_path / "run", environment=emulator.environment())
    answer, variables = run.results
    assert answer["statusCode"] == 200
    headers = answer_of(answer)["event"]["params"]["header"]
    assert headers["Authorization"] == request["headers"]["Authorization"] != "****"
    assert variables == remote
    assert "/loopback-test-config/prod/env.json" in emulator.requests_to("s3", "GET")
    assert_boto3_loaded(run, True)


# slim_handler: `zappa package` builds two archives. The function's zip holds the handler only (handler.py,
# zappa_settings.py and the packages of a virtualenv with Zappa in it); the project and all its packages go
# to S3 as a tar.gz, which Zappa's handler downloads and unpacks into /tmp/<project_name> at init. The
# package `make package` builds is both halves in one, so the halves are cut from it: no build of a slim
# package (it pip-installs Zappa's dependencies from PyPI, off this machine).
DEPLOYS_BUCKET = "loopback-test-deploys-prod"


def project_files(package: Package) -> list[str]:
    """What `zappa package` takes from the project folder, which the slim handler's zip leaves out."""
    top = sorted({name.split("/")[0] for name in package.names} - {"__pycache__"})
    project = [name for name in top if (PROJECT_ROOT / name).exists()]
    return project + [cache_from_source(name) for name in project if name.endswith(".py")]


def project_archive(package: Package) -> bytes:
    """The project archive: everything but the files Zappa adds to the handler zip, as a tar.gz."""
    handler_files = ("handler.py", "zappa_settings.py")
    left_out = {*handler_files, *(cache_from_source(name) for name in handler_files)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(package.zip_path) as source, tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info in source.infolist():
            if info.filename not in left_out and not info.is_dir():
                entry = tarfile.TarInfo(info.filename)
                entry.size, entry.mode = info.file_size, 0o644
                archive.addfile(entry, io.BytesIO(source.read(info)))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def deploys_bucket(emulator) -> str:
    create_bucket(emulator, DEPLOYS_BUCKET)
    return DEPLOYS_BUCKET


@pytest.fixture(scope="module")
def archive(prod_package) -> bytes:
    return project_archive(prod_package)


@pytest.fixture
def slim_function(prod_package, archive, emulator, deploys_bucket, tmp_path) -> Iterator[Callable]:
    """``make(files)`` returns a slim_handler function's layout, with ``files`` added to its handler zip, and
    the folder its project archive (uploaded to the emulator) is unpacked into. Each gets its own project
    name: Zappa's handler skips the download when /tmp/<project_name> already exists."""
    project_folders: list[Path] = []

    def make(files: dict[str, str]) -> tuple[Layout, Path]:
        project = f"loopback-slim-{uuid.uuid4().hex[:12]}"
        folder = tmp_path / project
        settings = settings_module(
            STAGE, folder / "settings", slim_handler=True, project_name=project, s3_bucket=deploys_bucket
        )
        archive_path = next(
            ast.literal_eval(node.value)
            for node in ast.parse(settings).body
            if isinstance(node, ast.Assign) and node.targets[0].id == "ARCHIVE_PATH"
        )
        bucket, key = archive_path.removeprefix("s3://").split("/", 1)
        emulator.client("s3").put_object(Bucket=bucket, Key=key, Body=archive)
        files = {"zappa_settings.py": settings, **files}
        layout = lambda_layout(prod_package.zip_path, folder, files, leave_out=project_files(prod_package))
        # Zappa's handler unpacks into /tmp/<project_name>, Lambda's scratch space, whatever TMPDIR says.
        project_folders.append(Path("/tmp", project))  # noqa: S108 - as the comment above says
        return layout, project_folders[-1]

    yield make
    for folder in project_folders:
        shutil.rmtree(folder, ignore_errors=True)


def assert_slim_function_serves(run: ColdStart, project_folder: Path) -> None:
    [response] = run.results
    assert response["statusCode"] == 200, response
    assert answer_of(response)["extras"]["app-stage"] == STAGE
    # The app came from the archive: the handler zip has none.
    assert run.module_files["app.wsgi"].startswith(f"{project_folder}/")
    assert run.loaded("tarfile")
    assert_boto3_loaded(run, True)


def test_slim_handler_under_zappas_own_handler_fetches_the_project(slim_function, emulator, tmp_path):
    """The layout is right: Zappa's own handler (in the handler zip) starts from it."""
    layout, project_folder = slim_function({})
    request = event_for_stage("rest_v1__post_json_root", STAGE)
    run = cold_start(
        layout, STAGE, [request], tmp_path / "run", emulator.environment(), handler="handler.lambda_handler"
    )
    assert_slim_function_serves(run, project_folder)


def test_slim_handler_through_lambda_entry_fetches_the_project_with_deferred_modules(
    slim_function, prod_package, emulator, tmp_path
):
    """With lambda_entry.py (and event_shape.py, which it imports) in the handler zip, the stand-ins for boto3 and
    tarfile load the real modules when Zappa's handler fetches and unpacks the archive at init."""
    entry = {name: prod_package.read(name) for name in ("lambda_entry.py", "event_shape.py")}
    layout, project_folder = slim_function(entry)
    request = event_for_stage("rest_v1__post_json_root", STAGE)
    run = cold_start(layout, STAGE, [request], tmp_path / "run", emulator.environment())
    assert run.module_files["lambda_entry"] == str(layout.task_root / "lambda_entry.py")
    assert_slim_function_serves(run, project_folder)


def test_slim_handler_as_zappa_packages_it_cannot_start_lambda_entry(slim_function, emulator, tmp_path):
    """`zappa package` puts no project module in the slim handler's zip, lambda_entry.py included: Lambda cannot
    import the handler, before Zappa fetches the project. So deploy/runtime.py refuses slim_handler with it."""
    layout, _ = slim_function({})
    request = event_for_stage("rest_v1__post_json_root", STAGE)
    run = cold_start(layout, STAGE, [request], tmp_path / "run", emulator.environment())
    assert run.init_error is not None
    assert "No module named 'lambda_entry'" in run.init_error["errorMessage"], run.init_error
