"""Add bytecode that Lambda can use to a package that `zappa package` built.

    python deploy/bytecode.py dist/loopback-prod.zip

Zappa ships sources only here (``__pycache__`` is excluded), because bytecode it would copy
from the virtualenv is stamped with the source's modification time, and a zip entry keeps no
such time: Python would reject it and compile every module again at each cold start, into
memory, since Lambda's /var/task is read-only. This adds, beside each ``.py``, a
``__pycache__/<module>.cpython-313.pyc`` checked by a hash of the source instead of its time
(PEP 552), so it stays valid in the zip. Checked, not unchecked: a source edited later (in
the Lambda console, say) is compiled again rather than silently ignored.

Run it with the Python of the Lambda runtime (the deploy virtualenv's): bytecode is
version-specific. The sources stay, so tracebacks show source lines.
"""

import argparse
import importlib.util
import os
import py_compile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

# Where Lambda unzips the package; recorded in the bytecode as each module's file name.
TASK_ROOT = "/var/task"


def bytecode_name(source_name: str) -> str:
    """The zip entry of the bytecode for the zip entry ``source_name``, as the import system looks for it.

    >>> bytecode_name("flask/app.py")
    'flask/__pycache__/app.cpython-313.pyc'
    """
    return importlib.util.cache_from_source(source_name)


def add_bytecode(package: Path) -> int:
    """Rewrite the zip at ``package`` with hash-checked bytecode for every source; return how many were added."""
    rebuilt = package.with_name(package.name + ".partial")
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(package) as original:
        entries = original.infolist()
        present = {entry.filename for entry in entries}
        added = 0
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for entry in entries:
                data = original.read(entry)
                archive.writestr(entry, data, zipfile.ZIP_DEFLATED, 9)
                target = bytecode_name(entry.filename)
                if not entry.filename.endswith(".py") or target in present:
                    continue
                source = Path(scratch) / "source.py"
                source.write_bytes(data)
                try:
                    compiled = py_compile.compile(
                        str(source),
                        cfile=str(Path(scratch) / "source.pyc"),
                        dfile=str(PurePosixPath(TASK_ROOT, entry.filename)),
                        doraise=True,
                        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
                    )
                except py_compile.PyCompileError as error:
                    # Not importable on this Python either (a template named .py, say): leave it as it is.
                    print(f"{entry.filename}: not compiled: {error.exc_type_name}")
                    continue
                info = zipfile.ZipInfo(target, date_time=entry.date_time)
                info.create_system, info.external_attr = entry.create_system, entry.external_attr
                archive.writestr(info, Path(compiled).read_bytes(), zipfile.ZIP_DEFLATED, 9)
                added += 1
    os.replace(rebuilt, package)
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the zip that `zappa package` wrote")
    package = parser.parse_args().package
    added = add_bytecode(package)
    print(f"{package}: added bytecode for {added} modules ({package.stat().st_size / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
