"""A Flask app with the answers the local gateway's limits and conversions need: slow, large,
binary, cookie-setting, crashing and memory-hungry; redirecting, linking to itself and echoing the
path and query it got. Served through Zappa's handler by the gateway."""

import os
import time

from flask import Flask, Response, jsonify, redirect, request, url_for

app = Flask(__name__)


@app.get("/health")
def health() -> Response:
    return jsonify(status="ok")


@app.get("/sleep/<float:seconds>")
def sleep(seconds: float) -> Response:
    time.sleep(seconds)
    return jsonify(slept=seconds)


@app.get("/text/<int:size>")
def text(size: int) -> Response:
    return Response("x" * size, mimetype="text/plain")


@app.get("/binary")
def binary() -> Response:
    return Response(bytes(range(256)), mimetype="application/octet-stream")


@app.get("/cookies")
def cookies() -> Response:
    response = jsonify(cookies=2)
    response.set_cookie("session", "s1", httponly=True)
    response.set_cookie("theme", "dark")
    response.headers.add("X-Repeated", "one")
    response.headers.add("X-Repeated", "two")
    return response


@app.get("/exit")
def exit_runtime() -> Response:
    os._exit(1)


@app.get("/allocate/<int:megabytes>")
def allocate(megabytes: int) -> Response:
    block = bytearray(megabytes * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])  # touch every page, so it counts in the RSS
    return jsonify(allocated=len(block))


@app.get("/items/")
def items() -> Response:
    """Strict trailing slash: ``GET /items`` is redirected here (308), as Flask does for such a rule."""
    return jsonify(items=[])


@app.get("/links")
def links() -> Response:
    return jsonify(items=url_for("items", _external=True), path=url_for("items"))


@app.get("/go")
def go() -> Response:
    return redirect(url_for("items"))


@app.get("/echo/<path:rest>")
def echo(rest: str) -> Response:
    return jsonify(path=request.path, rest=rest, args=list(request.args.lists()))
