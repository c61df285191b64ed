"""The functions a project names in Zappa's ``events`` settings, as tests/runtime deploys them: copied into
the package's root as ``event_functions.py``. Each returns what it was given, so a test sees that Zappa's
handler dispatched the event to it.

Zappa imports this module when an event for it comes, after init, when an ``import boto3`` is an ordinary
one: ``on_upload`` imports boto3 itself, so only an S3 event loads it.
"""

import os
from urllib.parse import unquote_plus


def on_upload(event, context):
    """Read back each uploaded object (S3 event notification)."""
    import boto3

    s3 = boto3.client("s3")
    objects = []
    for record in event["Records"]:
        bucket, key = record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        objects.append({"bucket": bucket, "key": key, "body": body})
    return {"objects": objects}


def on_notice(event, context):
    return {
        "notices": [
            {key: record["Sns"][key] for key in ("TopicArn", "Subject", "Message")} for record in event["Records"]
        ]
    }


def on_messages(event, context):
    # An empty batchItemFailures tells Lambda's SQS event source mapping that every message was processed.
    return {"bodies": [record["body"] for record in event["Records"]], "batchItemFailures": []}


def on_changes(event, context):
    return {"changes": [[record["eventName"], record["dynamodb"]["NewImage"]] for record in event["Records"]]}


def nightly(event, context):
    return {"rule": event["resources"][0], "kwargs": event["kwargs"]}


def report(event, context):
    """A function run by ``zappa invoke``: what it was called with."""
    return {"event": event, "function_name": context.function_name}


def variables(event, context):
    """The environment variables ``event["names"]`` names, as the function sees them."""
    return {name: os.environ.get(name) for name in event["names"]}
