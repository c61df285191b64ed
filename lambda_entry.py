"""The Lambda function's handler: Zappa's own, loaded without what a web request never uses.

zappa_settings.json names ``lambda_entry.lambda_handler`` as the function's handler (Zappa's
``lambda_handler`` setting); every event goes on to Zappa's ``LambdaHandler`` unchanged, but for the
few that Zappa's handler cannot parse: those are refused here with a 400 in the app's error shape
(``refusal``), where Zappa would raise (API Gateway answers 502) or answer its own 500. Besides,
this module changes only how the function starts (Lambda's init phase, billed like any other time):

- Zappa's handler imports boto3 and botocore (about a third of a cold start), asyncio, tarfile,
  calendar and durationpy as it loads, for S3 events, ``remote_env``, ``slim_handler`` and ASGI
  apps; Flask's CLI imports importlib.metadata. A WSGI app answering HTTP needs none of them.
  During init each is a stand-in module in ``sys.modules``, so an ``import`` of it binds the
  stand-in; when init ends the stand-ins leave ``sys.modules`` (a later ``import`` is an ordinary
  one) and stay only where they were bound. The first read of an attribute of a stand-in imports
  the real module: the events that need boto3 pay for it when they come.
- The app is built here, at init, as Zappa's ``INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT`` builds it
  (a SnapStart snapshot then holds it), with the cyclic garbage collector paused: init leaves some
  52,000 tracked objects and no cyclic garbage worth the collections their creation would trigger.
  They are then frozen out of later collections (``gc.freeze``), so no request pays to scan them.

Nothing built at init differs between execution environments or must be unique to one: the app,
its settings and compiled routes. Ids, clocks and random state are read per request (request_id.py).

What keeps the saving: nothing imported at init may read attributes of every module in ``sys.modules``
(some tracing SDKs and ``inspect`` helpers do). tests/runtime checks, on the packaged function, that a
web request leaves boto3 unloaded and that every kind of event Zappa serves still works: run them on
every Zappa upgrade, because the list below is coupled to what Zappa and Flask import. One edge: at
init, ``from boto3.session import Session`` before any use of ``boto3`` itself loads boto3.session
twice (the stand-in's ``__path__`` runs boto3's ``__init__``, which imports it first); ``import boto3``
first, or import it inside the function that uses it.
"""

import binascii
import gc
import importlib
import os
import re
import sys
from types import ModuleType
from typing import Any

import event_shape

# What Zappa's handler modules import at load time and use only inside functions that a WSGI app's
# HTTP request never calls. Standard-library ones count too: their import is paid at every cold start.
DEFERRED = ("boto3", "botocore", "asyncio", "tarfile", "calendar", "durationpy", "importlib.metadata")
# Attributes Zappa reads while zappa/utilities.py loads, only in annotations (it has no
# ``from __future__ import annotations``): read as the string that import would have stored.
ANNOTATIONS = {"boto3": frozenset({"Session"})}

_annotating = False
# API Gateway's rules for stage variables (its CreateStage and UpdateStage references).
STAGE_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]+")
STAGE_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")


class DeferredModule(ModuleType):
    """A module not imported yet: reading an attribute imports it (and ends every other deferral)."""

    def __getattr__(self, attribute: str) -> object:
        if _annotating and attribute in ANNOTATIONS.get(self.__name__, ()):
            return f"{self.__name__}.{attribute}"
        end_deferral()
        return getattr(importlib.import_module(self.__name__), attribute)


def end_deferral() -> None:
    """Take every stand-in out of ``sys.modules``, so that the next import of each loads the real module.

    All at once, because the real modules import one another (boto3 imports botocore, and Zappa
    expects ``botocore.exceptions`` loaded with it). Called when init ends, or before, by the first
    stand-in whose attribute is read.
    """
    for name in DEFERRED:
        if isinstance(sys.modules.get(name), DeferredModule):
            del sys.modules[name]


def _load_zappa_handler() -> ModuleType:
    global _annotating
    for name in DEFERRED:
        if name not in sys.modules:
            stand_in = sys.modules[name] = DeferredModule(name)
            parent, _, child = name.rpartition(".")
            if parent:  # as an import sets it: `import importlib.metadata` then reads importlib.metadata
                setattr(sys.modules[parent], child, stand_in)
    _annotating = True
    try:
        importlib.import_module("zappa.utilities")
    finally:
        _annotating = False
    # Outside the annotation window: the app, built next, gets real modules for whatever it uses.
    return importlib.import_module("zappa.handler")


gc.disable()
try:
    zappa_handler = _load_zappa_handler()
    zappa_handler.LambdaHandler()  # a singleton: loads zappa_settings.py and builds the app
finally:
    end_deferral()
    gc.freeze()
    gc.enable()


def refusal(event: object, context: Any) -> dict[str, Any] | None:
    """A 400 proxy response for an event Zappa's handler cannot take, else None."""
    if not isinstance(event, dict):
        return _bad_request(f"The event is a JSON {type(event).__name__}, not an object.", context)
    if problem := event_shape.problem(event):
        return _bad_request(problem, context)
    for name, value in (event.get("stageVariables") or {}).items():
        # Zappa makes an environment variable of each: only what API Gateway allows can be one.
        if not (STAGE_VARIABLE_NAME.fullmatch(name) and STAGE_VARIABLE_VALUE.fullmatch(value)):
            return _bad_request(f"The stage variable {name!r} is not one API Gateway allows.", context)
    body = event.get("body")
    if event.get("isBase64Encoded") and isinstance(body, str):
        try:
            binascii.a2b_base64(body, strict_mode=True)
        except ValueError:  # binascii.Error, or a character that is not ASCII
            return _bad_request("The event says its body is base64-encoded, but it is not valid base64.", context)
    return None


def _bad_request(message: str, context: Any) -> dict[str, Any]:
    # The app's error shape; imported here, where the app is built already, so that importing this module
    # imports nothing of the app's before the stand-ins are in place.
    from app.errors import error_json
    from app.response_headers import SECURITY_HEADERS

    return {
        "statusCode": 400,
        "headers": {"Content-Type": "application/json", **SECURITY_HEADERS},
        "body": error_json(400, message, getattr(context, "aws_request_id", "")),
        "isBase64Encoded": False,
    }


def lambda_handler(event: Any, context: Any) -> Any:
    """Lambda's entry: Zappa's handler, after ``refusal``.

    Zappa copies the event's stage variables into ``os.environ`` and leaves them there; they are put back as
    they were once the request is answered, so that no request sees another's. An event whose text holds a lone
    surrogate (which only a direct invocation can send) fails in Zappa's handler, with its own 500 or an
    exception; it is told why with a 400 instead, found only then, so that no request pays for looking.
    """
    if refused := refusal(event, context):
        return refused
    saved = {name: os.environ.get(name) for name in event.get("stageVariables") or ()}
    try:
        response = zappa_handler.lambda_handler(event, context)
    except UnicodeError:
        if problem := event_shape.lone_surrogate(event):
            return _bad_request(problem, context)
        raise
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if _zappas_own_error(response) and (problem := event_shape.lone_surrogate(event)):
        return _bad_request(problem, context)
    return response


def _zappas_own_error(response: object) -> bool:
    # Zappa's answer to an exception in its handler: a 500 with no headers (the app's answers always have some).
    return isinstance(response, dict) and response.get("statusCode") == 500 and "headers" not in response
