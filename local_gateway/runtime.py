"""Where an execution environment's interpreter finds the function: the source tree, or a built package.

From the source tree (the default) a worker is this virtualenv's Python with the project and the stage's
generated zappa_settings.py on its path: quick to change, but everything installed here is importable.
From a package (``--package``), the zip `make package` built is unzipped once into a read-only folder, as
Lambda's /var/task, and each worker is a fresh ``python -I -S -B`` whose path is only that folder, the
runtime's own libraries (Lambda's /var/runtime: boto3, botocore, awslambdaric...) and the standard library,
so an import that fails on Lambda fails here too. Either way the worker's environment variables are the
gateway's own plus those Lambda sets; -I makes a package's interpreter ignore PYTHONPATH and the like.
"""

import ast
import importlib.util
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Code:
    """How to start an interpreter that can import the function's handler."""

    command: tuple[str, ...]  # the interpreter and its options; the worker script follows
    sys_path: tuple[str, ...]  # put first on the interpreter's own path
    cwd: str | None = None
    environment: dict[str, str] = field(default_factory=dict)  # variables this layout adds
    origin: str = "the source tree"


@contextmanager
def source_code(settings_module: str) -> Iterator[Code]:
    """The function run from the source tree, with the stage's generated zappa_settings.py and, as
    `zappa package` puts it at a package's root, Zappa's handler.py (the default handler setting names it)."""
    with tempfile.TemporaryDirectory(prefix="local-gateway-") as folder:
        Path(folder, "zappa_settings.py").write_text(settings_module)
        zappa_handler = importlib.util.find_spec("zappa.handler")
        shutil.copyfile(zappa_handler.origin, Path(folder, "handler.py"))
        # -P: the worker script's own folder stays off the path.
        yield Code((sys.executable, "-P"), (folder, str(PROJECT_ROOT)))


@contextmanager
def package_code(package: Path) -> Iterator[Code]:
    """The function run from ``package``, laid out as the Lambda runtime lays it out."""
    # Imported here: it loads boto3 and the runtime's other libraries, which only this layout needs.
    from .lambda_layout import make_writable, runtime_folder, unzip_read_only

    with tempfile.TemporaryDirectory(prefix="local-gateway-") as folder:
        task_root = unzip_read_only(package, Path(folder, "task"))
        runtime = runtime_folder(Path(folder, "runtime"))
        try:
            yield Code(
                (sys.executable, "-I", "-S", "-B"),
                (str(task_root), str(runtime)),
                cwd=str(task_root),
                environment={"LAMBDA_TASK_ROOT": str(task_root), "LAMBDA_RUNTIME_DIR": str(runtime)},
                origin=f"{package}, unzipped in {task_root}",
            )
        finally:
            make_writable(task_root)


def package_stage(package: Path) -> str:
    """The API stage a package was built for: ``API_STAGE`` in the zappa_settings.py it carries."""
    try:
        with zipfile.ZipFile(package) as archive:
            names = set(archive.namelist())
            settings = archive.read("zappa_settings.py").decode() if "zappa_settings.py" in names else ""
    except (OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"{package}: not a readable zip ({error})") from None
    if "handler.py" not in names:
        raise ValueError(f"{package}: no handler.py; build it with `make package`")
    for statement in ast.parse(settings).body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "API_STAGE" for target in statement.targets
        ):
            return str(ast.literal_eval(statement.value))
    raise ValueError(f"{package}: its zappa_settings.py names no API_STAGE")
