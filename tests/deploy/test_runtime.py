"""deploy/runtime.py, `make package`'s first step: the build must be for the stage's Lambda runtime (Python
version) and architecture, as Zappa's own loader reads zappa_settings.json, or it stops with one line."""

import json
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from app.stages import deployed_function
from deploy.runtime import settings_architecture
from tests.support import PROJECT_ROOT, PYTHON_VERSION
from tests.support.checkout import copy_project
from tests.support.deploy_tools import package_venv
from tests.support.make import make_environment
from tests.support.stage_settings import STAGES, change_stages, settings_copy

OTHER_PYTHONS = ("python3.11", "python3.12", "python3.14", "python3.10")
# Lambda's name for the processor of this machine, and for the other one.
HOST_ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
OTHER_ARCHITECTURE = {"x86_64": "arm64", "arm64": "x86_64"}[HOST_ARCHITECTURE]


def arm64_package_venv() -> Path:
    venv = PROJECT_ROOT / ".venv-package-arm64"
    if not (venv / ".installed").exists():
        pytest.fail(f"{venv} is missing: run `make package-venv` (`make test` does)", pytrace=False)
    return venv


@pytest.fixture
def checkout(tmp_path) -> Path:
    return copy_project(tmp_path / "loopback")


@pytest.fixture
def bare_venv(tmp_path) -> Path:
    """A virtualenv of this Python with nothing installed: no compiled file to refuse."""
    venv = tmp_path / "venv-bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv


def with_this_machines_compiled_file(venv: Path) -> Path:
    """Put in ``venv`` a compiled file built for this machine: MarkupSafe's, from this run's virtualenv."""
    [speedups] = Path(sysconfig.get_paths()["purelib"]).glob("markupsafe/_speedups*.so")
    target = next(venv.glob("lib/python*/site-packages")) / "markupsafe" / speedups.name
    target.parent.mkdir()
    shutil.copyfile(speedups, target)
    return target


def set_stage(checkout: Path, stage: str, **settings: object) -> None:
    change_stages(checkout / "zappa_settings.json", {stage: settings})


def check(project: Path, stage: str, venv: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "deploy.runtime", stage, "--venv", str(venv)]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)


def assert_refused_in_one_line(result: subprocess.CompletedProcess, *phrases: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    for phrase in phrases:
        assert phrase in line, line
    return line


@pytest.mark.parametrize("stage", STAGES)
def test_the_committed_stages_match_this_build(stage, bare_venv):
    result = check(PROJECT_ROOT, stage, bare_venv)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_stage_whose_runtime_differs_is_refused(checkout, bare_venv):
    set_stage(checkout, "prod", runtime="python3.12")
    refused = check(checkout, "prod", bare_venv)
    assert_refused_in_one_line(refused, "prod's function runs python3.12", f"this build runs Python {PYTHON_VERSION}")
    # Only the stage asked for counts: dev still says python3.13.
    assert check(checkout, "dev", bare_venv).returncode == 0


def test_slim_handler_with_the_entry_is_refused(checkout, bare_venv):
    set_stage(checkout, "prod", slim_handler=True)
    assert_refused_in_one_line(
        check(checkout, "prod", bare_venv), "prod sets slim_handler", "lambda_entry.lambda_handler"
    )
    # With Zappa's own handler, which the slim handler's zip holds, it passes.
    set_stage(checkout, "prod", slim_handler=True, lambda_handler="handler.lambda_handler")
    assert check(checkout, "prod", bare_venv).returncode == 0


def test_a_runtime_that_is_not_python_is_refused(checkout, bare_venv):
    set_stage(checkout, "prod", runtime="nodejs22.x")
    assert_refused_in_one_line(check(checkout, "prod", bare_venv), "Zappa's loader refuses prod's settings")


def test_a_package_virtualenv_of_another_python_is_refused(tmp_path):
    others = [
        found
        for name in OTHER_PYTHONS
        if (found := shutil.which(name))
        and subprocess.run([found, "-c", "import venv"], capture_output=True).returncode == 0
    ]
    if not others:
        pytest.skip(f"no Python but {PYTHON_VERSION} on PATH to build a virtualenv with")
    venv = tmp_path / "venv-other"
    subprocess.run([others[0], "-m", "venv", "--without-pip", str(venv)], check=True)
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version != PYTHON_VERSION
    assert_refused_in_one_line(check(PROJECT_ROOT, "dev", venv), f"{venv} is Python {version}")


def test_a_compiled_file_for_another_architecture_is_refused(checkout, bare_venv):
    compiled = with_this_machines_compiled_file(bare_venv)
    for stage in STAGES:
        set_stage(checkout, stage, architecture=HOST_ARCHITECTURE)
    assert check(checkout, "prod", bare_venv).returncode == 0
    set_stage(checkout, "prod", architecture=OTHER_ARCHITECTURE)
    line = assert_refused_in_one_line(
        check(checkout, "prod", bare_venv), f"prod's function runs python3.13 on {OTHER_ARCHITECTURE}"
    )
    assert f"{compiled.relative_to(bare_venv)} in {bare_venv} is built for {HOST_ARCHITECTURE}" in line


@pytest.mark.slow
def test_each_package_virtualenv_is_for_its_architecture(checkout):
    """`make package-venv`'s two virtualenvs: each passes for a stage of its architecture only."""
    set_stage(checkout, "prod", architecture="arm64")
    line = assert_refused_in_one_line(
        check(checkout, "prod", package_venv()), "prod's function runs python3.13 on arm64"
    )
    assert "markupsafe/_speedups" in line and "is built for x86_64" in line
    assert check(checkout, "prod", arm64_package_venv()).returncode == 0
    # dev keeps x86_64 (its own setting), so the arm64 wheels are wrong for it, and the x86_64 ones right.
    assert_refused_in_one_line(check(checkout, "dev", arm64_package_venv()), "is built for arm64")
    assert check(checkout, "dev", package_venv()).returncode == 0


def test_an_architecture_zappa_does_not_know_is_refused(checkout, bare_venv):
    set_stage(checkout, "prod", architecture="aarch64")
    assert_refused_in_one_line(check(checkout, "prod", bare_venv), "Zappa's loader refuses prod's settings", "aarch64")


def test_dev_states_x86_64_and_prod_inherits_it():
    settings = json.loads((PROJECT_ROOT / "zappa_settings.json").read_text())
    assert settings["dev"]["architecture"] == "x86_64"
    assert "architecture" not in settings["prod"]
    assert [deployed_function(stage).architecture for stage in STAGES] == ["x86_64"] * len(STAGES)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"prod": {"architecture": "arm64"}},
        {"dev": {"architecture": "arm64"}},
        {"dev": {"architecture": "arm64"}, "prod": {"architecture": "x86_64"}},
        {"dev": {"architecture": None}},
    ],
    ids=["committed", "prod-arm64", "dev-arm64-inherited", "prod-overrides", "no-setting"],
)
def test_the_makefiles_reading_of_the_architecture_is_zappas(tmp_path, changes):
    """The Makefile picks the package virtualenv with a standard-library reading of the file; it must agree with
    Zappa's loader, which decides the function's architecture."""
    settings = json.loads((PROJECT_ROOT / "zappa_settings.json").read_text())
    for stage, values in changes.items():
        for key, value in values.items():
            if value is None:
                settings[stage].pop(key)
            else:
                settings[stage][key] = value
    settings_file = settings_copy(tmp_path)
    settings_file.write_text(json.dumps(settings))
    for stage in STAGES:
        assert settings_architecture(stage, settings_file) == deployed_function(stage, settings_file).architecture


def test_the_architecture_is_read_without_any_virtualenv(checkout):
    """`--architecture` runs on the bare interpreter the Makefile is given, before .venv exists."""
    set_stage(checkout, "prod", architecture="arm64")
    command = [sys.executable, "-S", "-m", "deploy.runtime", "--architecture"]
    answers = [subprocess.run([*command, stage], cwd=checkout, capture_output=True, text=True) for stage in STAGES]
    assert [answer.stdout.strip() for answer in answers] == ["x86_64", "arm64"]
    unknown = subprocess.run([*command, "staging"], cwd=checkout, capture_output=True, text=True)
    assert unknown.returncode == 2
    assert "no stage 'staging'" in unknown.stderr


@pytest.mark.slow
def test_make_package_stops_before_zappa_when_the_runtime_differs(checkout):
    set_stage(checkout, "prod", runtime="python3.12")
    result = subprocess.run(
        ["make", "--no-print-directory", "package", "STAGE=prod"],
        cwd=checkout,
        env=make_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    assert "prod's function runs python3.12" in result.stderr
    assert "zappa package" not in result.stdout
    assert not (checkout / "dist" / "loopback-prod.zip").exists()


@pytest.mark.parametrize("python", ["/nonexistent/python3.13", "python3.11"])
def test_make_stops_with_install_hints_without_the_projects_python(python):
    """Every target but clean needs Python 3.13: with another Python, or none, make stops before it builds anything,
    and says how to install it."""
    result = subprocess.run(
        ["make", "-n", "venv", f"PYTHON3={python}"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for hint in (
        f"pyenv install {PYTHON_VERSION}",
        f"uv python install {PYTHON_VERSION}",
        "apt install",
        "brew install",
    ):
        assert hint in output, output
    assert f"Python {PYTHON_VERSION} is missing" in output
    assert f"`{python}` was not found" in output or f"`{python}` is Python 3.11" in output, output
    clean = subprocess.run(["make", "-n", "clean", f"PYTHON3={python}"], cwd=PROJECT_ROOT, capture_output=True)
    assert clean.returncode == 0
