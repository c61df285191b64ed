"""``python -m deploy.runtime STAGE --venv VENV``: stop unless this build matches STAGE's Lambda runtime.

`make package` runs it before `zappa package`. The package carries bytecode compiled by the Python
running the build (deploy/bytecode.py) and the wheels installed in the package virtualenv, and
Lambda runs neither unless they are for the function's runtime (``runtime``, "python3.13") and
architecture (``architecture``, "x86_64" or "arm64") in zappa_settings.json, which Zappa's own
loader reads here. So it checks that:

- the Python running it is the runtime's version (bytecode of another version is ignored on
  Lambda, and every module compiled again at each cold start);
- the virtualenv's Python is that version too (its wheels are for that version's ABI);
- every compiled file (ELF) in the virtualenv is for the architecture's machine.

Each failure is one line on stderr and exit status 1 (2 for an unknown stage).

``python -m deploy.runtime --architecture STAGE`` prints STAGE's architecture for the Makefile,
which picks the package virtualenv with it. It runs before any virtualenv exists, on the standard
library alone, so it reads the file as Zappa's loader does for this one setting (``extends``
followed, x86_64 by default); tests/deploy/test_runtime.py holds it to the loader's answer.
"""

import argparse
import json
import re
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

# The same file app.stages reads. Nothing from app/ is imported at module level: `--architecture` runs on
# the bare interpreter the Makefile is given, before any virtualenv exists, and app/ needs Flask.
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "zappa_settings.json"
DEFAULT_ARCHITECTURE = "x86_64"  # Zappa's, when a stage sets none
# ELF e_machine of each Lambda architecture's processor (EM_X86_64, EM_AARCH64).
ELF_MACHINES = {"x86_64": 62, "arm64": 183}
ELF_MAGIC = b"\x7fELF"
RUNTIME_SHAPE = re.compile(r"python(\d+)\.(\d+)")


class MismatchError(Exception):
    """The build does not match the stage's Lambda runtime; the message is the one line to print."""


def settings_architecture(stage: str, settings_file: Path = SETTINGS_FILE) -> str:
    """``stage``'s ``architecture`` in zappa_settings.json, the nearest along its ``extends`` chain.

    Zappa's loader merges each stage over the one it extends, so the nearest setting wins.
    """
    settings = json.loads(settings_file.read_text())
    seen: set[str] = set()
    while stage and stage not in seen:
        seen.add(stage)
        if "architecture" in settings[stage]:
            return settings[stage]["architecture"]
        stage = settings[stage].get("extends")
    return DEFAULT_ARCHITECTURE


def elf_machine(header: bytes) -> int | None:
    """The e_machine of an ELF file from its first 20 bytes; None when it is not ELF."""
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        return None
    byte_order = "<" if header[5] == 1 else ">"  # EI_DATA: 1 little-endian, 2 big-endian
    return struct.unpack_from(f"{byte_order}H", header, 18)[0]


def compiled_files(venv: Path) -> Iterator[tuple[Path, int]]:
    """Every ELF file under the virtualenv's site-packages, with its e_machine."""
    for path in sorted(venv.glob("lib/python*/site-packages/**/*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                machine = elf_machine(file.read(20))
            if machine is not None:
                yield path, machine


def machine_name(machine: int) -> str:
    names = {number: name for name, number in ELF_MACHINES.items()}
    return names.get(machine, f"ELF machine {machine}")


def runtime_version(runtime: str) -> tuple[int, int]:
    shape = RUNTIME_SHAPE.fullmatch(runtime)
    if not shape:
        raise MismatchError(f"runtime {runtime!r} is not a Python runtime (python3.13, say)")
    return int(shape[1]), int(shape[2])


def python_version(python: Path) -> tuple[int, int]:
    found = subprocess.run(  # noqa: S603 - the virtualenv's own interpreter, fixed arguments
        [str(python), "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        raise MismatchError(f"{python} does not run: {found.stderr.strip() or found.returncode}")
    major, minor = found.stdout.split()
    return int(major), int(minor)


def check(stage: str, venv: Path) -> None:
    """Raise MismatchError unless this Python, ``venv``'s Python and ``venv``'s compiled files match ``stage``."""
    from click import ClickException

    from app.stages import deployed_function, zappa_stage

    try:
        function = deployed_function(stage)
    except (ClickException, ValueError, SystemExit) as error:  # Zappa's loader refuses a setting it cannot use
        raise MismatchError(f"{SETTINGS_FILE.name}: Zappa's loader refuses {stage}'s settings: {error}") from error
    where = f"{stage}'s function runs {function.runtime} on {function.architecture} ({SETTINGS_FILE.name})"
    wanted = runtime_version(function.runtime)
    version = ".".join(map(str, wanted))
    if sys.version_info[:2] != wanted:
        running = ".".join(map(str, sys.version_info[:2]))
        raise MismatchError(
            f"{where}, but this build runs Python {running} ({sys.executable}): build with Python {version}"
            f" (make PYTHON3=/path/to/python{version} ...) or set the stage's runtime to python{running}"
        )
    if not (venv / "bin" / "python").exists():
        raise MismatchError(f"{where}, but {venv} is not a virtualenv: make package-venv builds it")
    venv_version = python_version(venv / "bin" / "python")
    if venv_version != wanted:
        found = ".".join(map(str, venv_version))
        raise MismatchError(f"{where}, but {venv} is Python {found}: delete it and run make package again")
    if zappa_stage(stage).stage_config.get("slim_handler") and function.handler.split(".")[0] != "handler":
        # The slim handler's zip holds Zappa's handler.py and no module of the project (tests/runtime shows it).
        raise MismatchError(
            f"{stage} sets slim_handler, whose zip holds no project module, so Lambda cannot import"
            f' {function.handler}: set "lambda_handler": "handler.lambda_handler" for {stage} (every cold start'
            " then loads boto3), or leave slim_handler off, which a package under Lambda's 250 MB does not need"
        )
    if function.architecture not in ELF_MACHINES:
        raise MismatchError(f"{where}: architecture must be one of {', '.join(ELF_MACHINES)}")
    wrong = [
        (path, machine) for path, machine in compiled_files(venv) if machine != ELF_MACHINES[function.architecture]
    ]
    if wrong:
        path, machine = wrong[0]
        others = f" and {len(wrong) - 1} more" if len(wrong) > 1 else ""
        raise MismatchError(
            f"{where}, but {path.relative_to(venv)}{others} in {venv} is built for {machine_name(machine)}:"
            f" package the virtualenv built for {function.architecture} (`make package STAGE={stage}` picks it)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", help="the stage to package: dev or prod")
    parser.add_argument("--venv", type=Path, default=Path(".venv-package"), help="the package virtualenv")
    parser.add_argument("--architecture", action="store_true", help="only print the stage's architecture")
    args = parser.parse_args(argv)
    stages = list(json.loads(SETTINGS_FILE.read_text()))
    if args.stage not in stages:
        print(f"{SETTINGS_FILE.name} has no stage {args.stage!r}; its stages: {', '.join(stages)}", file=sys.stderr)
        return 2
    if args.architecture:
        print(settings_architecture(args.stage))
        return 0
    try:
        check(args.stage, args.venv)
    except MismatchError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
