"""Turn a request served outside Lambda (``flask run``) into a ``RequestView``.

The fields API Gateway would add are synthesised as a REST API with Zappa's
``/`` and ``/{proxy+}`` resources would fill them; README.md lists each one.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Request

from .request_view import CONTEXT_KEYS, RequestView, last_values, value_lists


def request_view_from_wsgi(request: Request, request_id: str, config: Mapping[str, Any]) -> RequestView:
    """Return the view of a plain WSGI request, as if API Gateway had forwarded it."""
    path = request.path
    query_all = {name: values for name, values in request.args.lists()}
    # WSGI servers fold a repeated header into one comma-joined value; that value is all there is.
    headers = {name: value for name, value in request.headers.items()}
    context = dict.fromkeys(CONTEXT_KEYS, "")
    context.update(
        {
            "http-method": request.method,
            "stage": config["STAGE"],
            "source-ip": request.remote_addr or "",
            "user-agent": request.headers.get("User-Agent", ""),
            "request-id": request_id,
            "resource-path": "/" if path == "/" else "/{proxy+}",
        }
    )
    return RequestView(
        source="local",
        body=request.get_data(),
        body_base64_encoded=False,
        path_params={} if path == "/" else {"proxy": _raw_path(request).lstrip("/")},
        query=last_values(query_all),
        query_all=query_all,
        headers=headers,
        headers_all=value_lists(headers),
        context=context,
    )


def _raw_path(request: Request) -> str:
    """The path as the client sent it, percent-encoding kept: what a REST API puts in the ``proxy``
    path parameter (``/a%2Fb`` stays ``a%2Fb``; ``request.path`` is decoded)."""
    target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or quote(request.path)
    return target.split("?", 1)[0]
