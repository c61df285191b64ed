"""What lambda_entry.py saves: a web request to the packaged function leaves boto3 and the rest unloaded.

Each run is one execution environment of the prod package, unzipped as Lambda's /var/task, in a fresh
``python -I -S -B`` where boto3 is importable (the runtime provides it) but not yet imported
(tests/support/cold_start.py, whose runner reports loaded modules without loading lambda_entry.py's stand-ins).
"""

from pathlib import Path

import pytest

from tests.support.cold_start import ColdStart, Layout, cold_start, lambda_layout
from tests.support.events import answer_of
from tests.support.lambda_package import event_for_stage

pytestmark = pytest.mark.slow

STAGE = "prod"
# What Zappa's handler imports for events other than HTTP requests; lambda_entry.py defers them (s3transfer
# comes with boto3's S3 client). A standard-library module counts as loaded once its real file is imported.
NOT_FOR_WEB_REQUESTS = ("boto3", "botocore", "s3transfer", "asyncio", "tarfile")


@pytest.fixture(scope="module")
def layout(prod_package, tmp_path_factory) -> Layout:
    return lambda_layout(prod_package.zip_path, tmp_path_factory.mktemp("guard"))


def web_requests() -> list[dict]:
    """A POST through the stage's REST API, then one through its HTTP API: one cold start, one warm call."""
    return [event_for_stage("rest_v1__post_json_root", STAGE), event_for_stage("http_v2__dev_stage", STAGE)]


def loaded_of(run: ColdStart, layout: Layout) -> dict[str, str]:
    """Which of NOT_FOR_WEB_REQUESTS the run imported, with their files."""
    files = {name: run.module_files[name] for name in NOT_FOR_WEB_REQUESTS if run.loaded(name)}
    for name in ("boto3", "botocore", "s3transfer"):
        # Loaded from the runtime's copy: the package leaves them out.
        assert files.get(name, str(layout.runtime_dir)).startswith(str(layout.runtime_dir)), files
    return files


def assert_served_by_the_package(run: ColdStart, layout: Layout) -> None:
    for response in run.results[:2]:
        assert response["statusCode"] == 200, response
        assert answer_of(response)["extras"]["app-stage"] == STAGE
    for module in ("app.wsgi", "flask", "zappa.wsgi"):
        assert run.module_files[module].startswith(f"{layout.task_root}/"), module


def test_web_requests_load_none_of_what_other_events_need(layout, tmp_path: Path):
    run = cold_start(layout, STAGE, web_requests(), tmp_path)
    assert_served_by_the_package(run, layout)
    assert run.module_files["lambda_entry"] == str(layout.task_root / "lambda_entry.py")
    assert loaded_of(run, layout) == {}


def test_the_guard_sees_boto3_once_an_event_uses_it(layout, tmp_path: Path):
    # The same requests, then what `zappa invoke --raw` sends: Python that makes an S3 client. No AWS call.
    uses_boto3 = {"raw_command": "import boto3; boto3.client('s3')"}
    run = cold_start(layout, STAGE, [*web_requests(), uses_boto3], tmp_path)
    assert_served_by_the_package(run, layout)
    assert run.results[2] is None
    assert {"boto3", "botocore", "s3transfer"} <= set(loaded_of(run, layout))


def test_the_guard_sees_what_zappas_own_handler_loads(layout, tmp_path: Path):
    # The same package and requests, with the function's handler set to Zappa's (handler.lambda_handler).
    run = cold_start(layout, STAGE, web_requests(), tmp_path, handler="handler.lambda_handler")
    assert_served_by_the_package(run, layout)
    assert set(loaded_of(run, layout)) == set(NOT_FOR_WEB_REQUESTS)


def test_the_app_is_built_at_init(layout, tmp_path: Path):
    # No event at all: what Lambda's init phase (and a SnapStart snapshot) holds.
    run = cold_start(layout, STAGE, [], tmp_path)
    assert run.init_error is None
    assert run.loaded("app.wsgi")
    assert loaded_of(run, layout) == {}
