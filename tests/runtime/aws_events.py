"""The events AWS services send a Lambda function, other than HTTP requests, field by field as AWS documents them.

Each builder follows the sample event of the AWS page named in its docstring, with every field of the
sample kept, in the sample's order; only the values change, to this project's region, a fake account
(123456789012), addresses from the documentation range 203.0.113.0/24, and the resources a test sets up.
"""

import hashlib
from typing import Any
from urllib.parse import quote_plus

ACCOUNT = "123456789012"


def scheduled_event(region: str, rule_name: str) -> dict[str, Any]:
    """What an EventBridge schedule rule made by Zappa delivers: keep-warm pings and ``events`` with an
    ``expression``.

    Amazon EventBridge User Guide, "EventBridge events detail reference", "Example Scheduled Event event"
    (the Lambda Developer Guide's "Using AWS Lambda with Amazon EventBridge" shows the same envelope).
    Zappa's rule target passes it through an input transformer (zappa/core.py ``schedule_events``) that
    keeps these fields and adds ``kwargs``, the rule's keyword arguments (``{}`` unless set).
    """
    return {
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-11-25T03:04:00Z",
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule_name}"],
        "detail": {},
        "kwargs": {},
    }


def s3_put_event(region: str, bucket: str, key: str, body: bytes, configuration_id: str) -> dict[str, Any]:
    """Amazon S3's notification of one object uploaded with PUT.

    Lambda Developer Guide, "Process Amazon S3 event notifications with Lambda", "Example Amazon S3
    notification event"; the fields as the Amazon S3 User Guide's "Event message structure" describes them:
    the key URL-encoded as in a form (a space is ``+``), ``eTag`` the MD5 of a single-part upload's body.
    """
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": "2026-11-25T03:04:05.192Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLEUPLOADER1"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {
                    "x-amz-request-id": "D82B88E5F771F645",
                    "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": len(body),
                        "eTag": hashlib.md5(body, usedforsecurity=False).hexdigest(),
                        "sequencer": "0C0F6F405D6ED209E1",
                    },
                },
            }
        ]
    }


def sns_event(topic_arn: str, subject: str, message: str) -> dict[str, Any]:
    """Amazon SNS's delivery of one notification published to ``topic_arn``.

    Lambda Developer Guide, "Invoking Lambda functions with Amazon SNS notifications", "Example Amazon SNS
    message event" (note ``SigningCertUrl`` and ``UnsubscribeUrl``, spelled as Lambda receives them).
    """
    region = topic_arn.split(":")[3]
    subscription = f"{topic_arn}:21be56ed-a058-49f5-8c98-aedd2564c486"
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": "2026-11-25T03:04:07.000Z",
                    "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "Message": message,
                    "MessageAttributes": {
                        "Test": {"Type": "String", "Value": "TestString"},
                        "TestBinary": {"Type": "Binary", "Value": "TestBinary"},
                    },
                    "Type": "Notification",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}",
                    "TopicArn": topic_arn,
                    "Subject": subject,
                },
            }
        ]
    }


def sqs_event(queue_arn: str, bodies: list[str]) -> dict[str, Any]:
    """A batch of messages that Lambda's event source mapping read from a standard queue.

    Lambda Developer Guide, "Using Lambda with Amazon SQS", "Example standard queue message event";
    ``md5OfBody`` is the MD5 of the body, as the SQS API reference's Message type defines it.
    """
    region = queue_arn.split(":")[3]
    return {
        "Records": [
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197583{index:04x}",
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795575849183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1795575849185",
                },
                "messageAttributes": {
                    "myAttribute": {
                        "stringValue": "myValue",
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": "String",
                    }
                },
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for index, body in enumerate(bodies)
        ]
    }


def dynamodb_stream_event(stream_arn: str) -> dict[str, Any]:
    """A batch of two stream records, an item inserted then changed, that Lambda read from a table's stream.

    Lambda Developer Guide, "Using AWS Lambda with Amazon DynamoDB", "Example DynamoDB Streams record
    event" (its first two records): each item in DynamoDB's typed JSON (``{"N": "101"}``).
    """
    region = stream_arn.split(":")[3]

    def record(event_id: str, name: str, change: dict[str, Any]) -> dict[str, Any]:
        return {
            "eventID": event_id,
            "eventVersion": "1.0",
            "dynamodb": change,
            "awsRegion": region,
            "eventName": name,
            "eventSourceARN": stream_arn,
            "eventSource": "aws:dynamodb",
        }

    keys = {"Id": {"N": "101"}}
    return {
        "Records": [
            record(
                "1",
                "INSERT",
                {
                    "Keys": keys,
                    "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                    "SequenceNumber": "111",
                    "SizeBytes": 26,
                },
            ),
            record(
                "2",
                "MODIFY",
                {
                    "OldImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
                    "SequenceNumber": "222",
                    "Keys": keys,
                    "SizeBytes": 59,
                    "NewImage": {"Message": {"S": "This item has changed"}, "Id": {"N": "101"}},
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
            ),
        ]
    }


def direct_invocation(key: str, value: str, **payload: Any) -> dict[str, Any]:
    """What ``zappa invoke`` (``command``; ``--raw``: ``raw_command``) and ``zappa manage`` (``manage``) send
    with Lambda's Invoke API: ``{key: value}``, and the keys of ``--payload`` (zappa/cli.py ``invoke``)."""
    return {key: value, **payload}
