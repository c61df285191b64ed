"""The Lambda context: the runtime's object under Lambda, a stand-in for it elsewhere."""

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from ..stages import Function
from .request_view import as_text

# Placeholder account in the ARN a local run reports: a run outside AWS belongs to no account.
LOCAL_ACCOUNT_ID = "000000000000"
_LOCAL_INSTANCE = uuid.uuid4().hex


class LocalLambdaContext:
    """What a run outside Lambda reports as its context, with the runtime's attribute names: the stage's
    function as zappa_settings.json describes it, in no account."""

    def __init__(self, function: Function, request_id: str) -> None:
        name = function.name
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{function.region}:{LOCAL_ACCOUNT_ID}:function:{name}"
        self.memory_limit_in_mb = str(function.memory_mb)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{_LOCAL_INSTANCE}"
        self._deadline = time.monotonic() + function.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_context_view(context: Any) -> dict[str, Any]:
    """The context with the key names a Node.js Lambda function sees, as the prototype answered.

    >>> sorted(lambda_context_view(None))[:2]
    ['awsRequestId', 'functionName']
    """
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return {
        "functionName": as_text(getattr(context, "function_name", None)),
        "functionVersion": as_text(getattr(context, "function_version", None)),
        "invokedFunctionArn": as_text(getattr(context, "invoked_function_arn", None)),
        "memoryLimitInMB": as_text(getattr(context, "memory_limit_in_mb", None)),
        "awsRequestId": as_text(getattr(context, "aws_request_id", None)),
        "logGroupName": as_text(getattr(context, "log_group_name", None)),
        "logStreamName": as_text(getattr(context, "log_stream_name", None)),
        "remainingTimeInMillis": remaining() if callable(remaining) else 0,
    }
