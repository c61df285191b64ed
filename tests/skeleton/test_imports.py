"""Importing any module under app/ builds no app and reads no environment; only app.wsgi builds the app."""

import subprocess
import sys
import textwrap

from tests.support import PROJECT_ROOT

# Run in a fresh interpreter: records every Flask app built and every environment variable read.
PROBE = textwrap.dedent(
    """
    import importlib, json, os, pkgutil, sys
    import flask

    reads, apps = [], []

    class Recording(dict):
        def __getitem__(self, name):
            reads.append(name)
            return super().__getitem__(name)

        def get(self, name, default=None):
            reads.append(name)
            return super().get(name, default)

        def __contains__(self, name):
            reads.append(name)
            return super().__contains__(name)

    os.environ = Recording(os.environ)
    built = flask.Flask.__init__

    def recording_init(self, *args, **kwargs):
        apps.append(args[0] if args else kwargs.get("import_name"))
        built(self, *args, **kwargs)

    flask.Flask.__init__ = recording_init
    import app

    names = sorted(module.name for module in pkgutil.walk_packages(app.__path__, "app."))
    for name in names:
        if name != sys.argv[1]:
            importlib.import_module(name)
    print(json.dumps({"modules": names, "reads": reads, "apps": apps}))
    """
)


def probe(left_out: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, left_out], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(result.stdout)


def test_importing_every_module_but_wsgi_builds_nothing_and_reads_no_environment():
    seen = probe("app.wsgi")
    assert "app.stages" in seen["modules"] and "app.wsgi" in seen["modules"]
    assert seen["apps"] == []
    assert seen["reads"] == []


def test_the_wsgi_module_builds_the_one_app():
    seen = probe("")
    assert seen["apps"] == ["app"]
    assert "LOOPBACK_STAGE" in seen["reads"]
