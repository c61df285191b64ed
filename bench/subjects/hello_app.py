"""The baselines' and peers' app: one Flask route that answers every POST with the same small JSON."""

from flask import Flask

app = Flask(__name__)


@app.post("/", defaults={"path": ""})
@app.post("/<path:path>")
def hello(path: str) -> dict[str, str]:
    return {"message": "hello, world"}
