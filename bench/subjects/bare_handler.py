"""The floor: a Lambda handler with no framework that answers the same JSON as hello_app."""

import json


def lambda_handler(event: dict, context: object) -> dict:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": "hello, world"}),
        "isBase64Encoded": False,
    }
