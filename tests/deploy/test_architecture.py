"""Every compiled file in a package is for the processor of the stage's function: x86_64 for the committed
stages, arm64 once a stage says so, as the README's "Switch a stage to arm64" shows. The ELF header is
read here on its own, with struct, rather than with deploy/runtime.py's reader."""

import json
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT
from tests.support.checkout import copy_project
from tests.support.lambda_package import built_package
from tests.support.make import make_environment
from tests.support.readme import blocks, section
from tests.support.stage_settings import change_stages, stage_settings

pytestmark = pytest.mark.slow

# e_machine (ELF gABI): EM_X86_64 and EM_AARCH64, the processors of Lambda's two architectures.
E_MACHINE = {"x86_64": 62, "arm64": 183}
ARM64_SECTION = "### Switch a stage to arm64"


def compiled_machines(package: Path) -> dict[str, int]:
    """The e_machine of every shared object (``.so``, ``.so.N``) in the zip, by entry name."""
    machines = {}
    with zipfile.ZipFile(package) as archive:
        for name in archive.namelist():
            if name.endswith(".so") or ".so." in name.rsplit("/", 1)[-1]:
                header = archive.read(name)[:20]
                assert header[:4] == b"\x7fELF", f"{name} is not an ELF file"
                byte_order = {1: "<", 2: ">"}[header[5]]  # EI_DATA
                (machines[name],) = struct.unpack_from(f"{byte_order}H", header, 18)
    return machines


def test_the_prod_package_is_built_for_prods_architecture(tmp_path_factory):
    architecture = stage_settings("prod").architecture
    # The package tests build from .venv-package (tests/support/deploy_tools.py), the x86_64 one.
    assert architecture == "x86_64", "prod is arm64 now: build its test package from .venv-package-arm64"
    package = built_package("prod", tmp_path_factory.mktemp("package-prod"))
    machines = compiled_machines(package.zip_path)
    assert any(name.startswith("markupsafe/_speedups") for name in machines), machines
    assert set(machines.values()) == {E_MACHINE[architecture]}, machines


def test_a_stage_switched_to_arm64_is_packaged_with_arm64_wheels(tmp_path):
    """The README's steps in a copy of the project: prod's settings, then its command, which must build
    the arm64 virtualenv (and only it) and a package whose every compiled file is for aarch64."""
    if not (PROJECT_ROOT / ".venv-package-arm64" / ".installed").exists():
        # The copy installs offline, from uv's cache, which holds the aarch64 wheels once this was built.
        pytest.fail("run `make package-venv` first (`make test` does): it caches the arm64 wheels", pytrace=False)
    checkout = copy_project(tmp_path / "loopback")
    steps = blocks(section(ARM64_SECTION))
    [change] = [json.loads(block.text) for block in steps if block.language == "json"]
    assert change == {"architecture": "arm64"}
    change_stages(checkout / "zappa_settings.json", {"prod": change})
    [commands] = [block.text for block in steps if block.language == "sh"]
    environment = {name: value for name, value in make_environment().items() if not name.startswith("AWS_")}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        cwd=checkout,
        env={**environment, "LOOPBACK_OFFLINE_LOG": str(tmp_path / "off-machine.log")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"$ {commands}\n{result.stdout}\n{result.stderr}"
    off_machine = tmp_path / "off-machine.log"
    assert not off_machine.exists() or not off_machine.read_text(), off_machine.read_text()

    assert (checkout / ".venv-package-arm64" / ".installed").exists()
    assert not (checkout / ".venv-package").exists(), "the x86_64 virtualenv was built for an arm64 stage"
    machines = compiled_machines(checkout / "dist" / "loopback-prod.zip")
    assert any(name.startswith("markupsafe/_speedups") for name in machines), machines
    assert set(machines.values()) == {E_MACHINE["arm64"]}, machines
    # dev still says x86_64 in the same copy: the Makefile reads each stage's own setting.
    dev = subprocess.run(
        ["make", "--no-print-directory", "-n", "package", "STAGE=dev"],
        cwd=checkout,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--venv .venv-package\n" in dev.stdout
