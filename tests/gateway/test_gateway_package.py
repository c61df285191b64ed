"""The local API Gateway serving a built package (``--package``): the dev stage's zip as `make package`
builds it, run in the Lambda runtime's layout, where only what the package carries can be imported."""

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import pytest

from local_gateway.__main__ import main
from local_gateway.events import HttpRequest
from tests.support import PROJECT_ROOT
from tests.support.checkout import copy_project
from tests.support.deploy_tools import build_package
from tests.support.local_server import free_port, gateway, local_gateway, send, serving
from tests.support.make import make_environment

pytestmark = pytest.mark.slow

STAGE = "dev"
# Added to a copy of the package's app/wsgi.py: where each loaded module came from, as the worker sees it.
INTROSPECTION = b"""

import os as _os
import socket as _socket
import sys as _sys


@app.get("/modules")
def _modules():
    return {
        "task_root": _os.environ["LAMBDA_TASK_ROOT"],
        "runtime_dir": _os.environ["LAMBDA_RUNTIME_DIR"],
        "cwd": _os.getcwd(),
        "sys_path": _sys.path,
        "files": {name: getattr(module, "__file__", None) for name, module in list(_sys.modules.items())},
        "offline": getattr(_socket, "_loopback_offline", False),
    }
"""
# A dependency the package leaves out: moto is a dev tool, installed here but never packaged.
MISSING_IMPORT = b"import moto  # noqa: F401\n"


def get(target: str) -> HttpRequest:
    return HttpRequest("GET", target, [("Host", "127.0.0.1")])


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """The dev stage's package, built once as `make package` builds it."""
    work = tmp_path_factory.mktemp("package")
    return build_package(STAGE, work / f"loopback-{STAGE}.zip", cwd=PROJECT_ROOT, home=work)


def changed_copy(package: Path, folder: Path, *, prepend: bytes = b"", append: bytes = b"") -> Path:
    """A copy of ``package`` whose app/wsgi.py has ``prepend`` before it and ``append`` after it."""
    copy = folder / package.name
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "app/wsgi.py":
                data = prepend + data + append
            target.writestr(entry, data)
    return copy


def test_the_built_package_serves_the_dev_stage(package):
    with local_gateway(STAGE, package=package) as port:
        status, headers, body = send(port, get(f"/{STAGE}/health"))
    assert (status, json.loads(body)) == (200, {"status": "ok", "stage": STAGE})
    assert "x-amzn-RequestId" in headers


def test_the_worker_imports_only_from_the_package_the_runtime_and_the_standard_library(package, tmp_path):
    with local_gateway(STAGE, package=changed_copy(package, tmp_path, append=INTROSPECTION)) as port:
        status, _, body = send(port, get(f"/{STAGE}/modules"))
    assert status == 200
    seen = json.loads(body)
    task_root, runtime_dir = Path(seen["task_root"]), Path(seen["runtime_dir"])
    standard_library = Path(sys.base_prefix)
    assert seen["cwd"] == str(task_root)
    assert seen["offline"], "tests/support/offline.py guards the worker (--preload)"
    assert [Path(entry) for entry in seen["sys_path"][:2]] == [task_root, runtime_dir]
    assert all(Path(entry).is_relative_to(standard_library) for entry in seen["sys_path"][2:]), seen["sys_path"]
    files = {name: Path(file) for name, file in seen["files"].items() if file}
    outside = {
        name: str(file)
        for name, file in files.items()
        if not any(file.is_relative_to(folder) for folder in (task_root, runtime_dir, standard_library))
    }
    # The runtime loop itself (multiprocessing names the main module twice), which imports the standard library only.
    assert set(outside.values()) == {str(PROJECT_ROOT / "local_gateway" / "worker.py")}
    for name in ("lambda_entry", "zappa.handler", "zappa_settings", "app", "app.wsgi", "flask", "werkzeug"):
        assert files[name].is_relative_to(task_root), name
    assert files["awslambdaric"].is_relative_to(runtime_dir)
    # Nothing of the project's source tree, its tests or the gateway itself.
    assert not [name for name in files if name.split(".")[0] in ("local_gateway", "tests", "bench")]


def test_an_import_the_package_lacks_is_a_function_error(package, tmp_path):
    """The source tree's virtualenv has moto, so the app would start from there; the package has not."""
    assert importlib.util.find_spec("moto") is not None
    broken = changed_copy(package, tmp_path, prepend=MISSING_IMPORT)
    with gateway(STAGE, package=broken, app_health=False) as served:
        status, _, body = send(served.port, get(f"/{STAGE}/health"))
        output = served.output()
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    assert "ModuleNotFoundError: No module named 'moto'" in output


def test_a_package_serves_only_the_stage_it_was_built_for(package, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--package", str(package), "--stage", "prod"])
    assert stopped.value.code == 2
    assert f"built for stage {STAGE!r}, not 'prod'" in capsys.readouterr().err


def test_make_run_gateway_packaged_builds_and_serves_the_package(tmp_path):
    checkout = copy_project(tmp_path / "loopback")
    port = free_port()
    command = ["make", "-s", "run-gateway", "PACKAGED=1", f"STAGE={STAGE}", f"GATEWAY_PORT={port}"]
    with serving(command, make_environment(), port, f"/{STAGE}/health", cwd=checkout, start_seconds=120) as served:
        status, _, body = send(port, HttpRequest("GET", f"/{STAGE}/health", [("Host", f"127.0.0.1:{port}")]))
        log = served.log.read_text()
    assert (status, json.loads(body)) == (200, {"status": "ok", "stage": STAGE})
    assert (checkout / "dist" / f"loopback-{STAGE}.zip").exists()
    assert f"loopback-{STAGE}.zip" in log
