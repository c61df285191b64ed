"""The Lambda context: the runtime's object under Lambda, a stand-in for it elsewhere."""

import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .request_view import as_text

# Placeholder account in the ARN a local run reports: a run outside AWS belongs to no account.
LOCAL_ACCOUNT_ID = "000000000000"
_LOCAL_INSTANCE = uuid.uuid4().hex


class LocalLambdaContext:
    """What a run outside Lambda reports as its context, with the runtime's attribute names."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        name = f"{config['PROJECT_NAME']}-{config['STAGE']}"
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{config['LOCAL_AWS_REGION']}:{LOCAL_ACCOUNT_ID}:function:{name}"
        self.memory_limit_in_mb = str(config["LOCAL_MEMORY_LIMIT_MB"])
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{_LOCAL_INSTANCE}"
        self._deadline = time.monotonic() + config["LOCAL_TIMEOUT_SECONDS"]

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
