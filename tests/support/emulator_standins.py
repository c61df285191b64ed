"""Stand-ins for the AWS calls Zappa (and the README's AWS CLI commands) make that moto's server (5.2.5) does not
answer as AWS does.

Each stand-in is the smallest answer that matches AWS's documented response, built from moto's
own state (by asking moto's server), so that what the emulator holds stays the one truth.
Everything else goes to moto untouched. Remove a stand-in when moto answers the call itself.
"""

import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]
Responder = Callable[[Callable], list[bytes]]  # an answer made, waiting for a start_response

# Lambda ListFunctionUrlConfigs: GET /2021-10-31/functions/{name}/urls. `zappa update` calls it
# to remove function URLs the settings do not ask for; moto has no route for it and answers 404
# with an HTML page, which fails the update.
LIST_FUNCTION_URL_CONFIGS = re.compile(r"/2021-10-31/functions/(?P<name>[^/]+)/urls")
# Lambda AddPermission: POST /2015-03-31/functions/{name}/policy. AWS answers 201 Created;
# moto answers 200, and Zappa logs "Problem creating permission" for anything but 201.
ADD_PERMISSION = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/policy")
# Lambda's SnapStart setting, {"SnapStart": {"ApplyOn": "PublishedVersions" | "None"}} in CreateFunction and
# UpdateFunctionConfiguration. moto accepts it, keeps nothing, and reports {"ApplyOn": "None",
# "OptimizationStatus": "Off"} for every function and version. AWS keeps ApplyOn in $LATEST's configuration, which
# each version published later copies; OptimizationStatus is "On" for a version published with PublishedVersions
# (it has a snapshot) and "Off" for $LATEST, which SnapStart never snapshots. Having nothing of it to ask moto
# for, this stand-in keeps ApplyOn itself; the rest of each answer is moto's. These calls carry configurations:
# CreateFunction, ListFunctions, GetFunction, Get/UpdateFunctionConfiguration, PublishVersion,
# ListVersionsByFunction, UpdateFunctionCode; DeleteFunction forgets a function.
FUNCTION_CONFIGURATIONS = re.compile(r"/2015-03-31/functions/?(?:(?P<name>[^/]+)(?:/configuration|/versions|/code)?)?")
# Lambda GetFunction of a version named as Zappa's rollback names it, "function:NAME:VERSION": a partial ARN, which
# the Lambda API reference's FunctionName pattern allows. moto splits the name on ":" and answers 500. And the
# answer's Code.Location: AWS gives "a presigned URL that you can use to download the deployment package" of that
# version, valid for ten minutes (GetFunction, FunctionCodeLocation); moto gives an amazonaws.com address (off this
# machine) naming $LATEST's S3 key, for every version. Here the version goes to moto by name and Qualifier, and the
# Location is this emulator's own address, where a GET (unsigned, as a presigned URL's is) gives that version's
# package as moto holds it.
PARTIAL_ARN_VERSION = re.compile(r"/2015-03-31/functions/function:(?P<name>[^/:]+):(?P<qualifier>[^/:]+)")
CODE_DOWNLOAD = re.compile(
    r"/stand-in/lambda-code/(?P<account>\d{12})/(?P<region>[^/]+)/(?P<name>[^/]+)/(?P<version>[^/]+)"
)
# API Gateway ImportRestApi (POST /restapis?mode=import) and PutRestApi (PUT /restapis/{id}?mode=merge|overwrite)
# of an OpenAPI document. AWS (API Gateway Developer Guide, "OpenAPI extensions"): the operations of each Path Item
# become methods, x-amazon-apigateway-any-method the ANY method; the Path Item's other keys (parameters, summary,
# description, servers, extensions) are no methods; the integration's enums are held as the API reference names them
# (Integration: type AWS_PROXY, passthroughBehavior NEVER), and x-amazon-apigateway-binary-media-types becomes the
# API's binaryMediaTypes (taken here as: the document's list on import and in overwrite mode, which "overwrites the
# existing API"; added to the API's in merge mode, which "merges" the two). moto makes a method of
# every Path Item key (an "X-AMAZON-APIGATEWAY-ANY-METHOD" method, a "PARAMETERS" method), keeps the document's case
# (aws_proxy) and ignores the binary media types.
REST_APIS = re.compile(r"/restapis/?")
REST_API = re.compile(r"/restapis/(?P<api_id>[^/]+)/?")
ANY_METHOD = "x-amazon-apigateway-any-method"
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
INTEGRATION_ENUMS = ("type", "passthroughBehavior", "connectionType", "contentHandling")
BINARY_MEDIA_TYPES = "x-amazon-apigateway-binary-media-types"
# API Gateway UpdateRestApi names a binary media type in the patch path, JSON-Pointer escaped ("~1" for "/"), with no
# value: Zappa's add_binary_support sends {"op": "add", "path": "/binaryMediaTypes/*~1*"} (API Gateway Developer
# Guide, "Enabling binary support using the API Gateway REST API"). moto reads the value instead and adds "".
BINARY_MEDIA_TYPE_PATH = re.compile(r"/binaryMediaTypes/(?P<escaped>.+)")
# API Gateway custom domain names (API reference: CreateDomainName, GetDomainName(s), UpdateDomainName,
# UpdateBasePathMapping; Developer Guide, "Set up an edge-optimized custom domain name"):
# - CreateDomainName with no endpointConfiguration makes an EDGE domain; AWS then reports endpointConfiguration
#   {"types": ["EDGE"]} and the distribution's fields only (distributionDomainName, distributionHostedZoneId), a
#   REGIONAL one the regional fields only. moto keeps no default and reports both kinds of fields for every domain.
# - An EDGE domain's ACM certificate must be in us-east-1: AWS answers 400 BadRequestException "Invalid certificate
#   ARN: <arn>. Certificate must be in 'us-east-1'." (the answer Zappa's users quote, Miserlou/Zappa#1142), and
#   takes only a certificate ACM has issued. moto takes any ARN.
# - UpdateDomainName (PATCH /domainnames/{name}): moto has none and answers 500. AWS replaces the fields the patch
#   names (Zappa's certify replaces /certificateName and /certificateArn) and answers with the domain name. Having
#   no way to change moto's domain, this stand-in keeps the replaced fields itself and shows them in every answer.
# - An empty base path is held as "(none)" (CreateBasePathMapping: "Specify '(none)' if you do not want callers to
#   specify any base path name after the domain name"). Zappa's certify, run again, replaces a mapping's "(none)"
#   with "" (UpdateBasePathMapping); taken here as AWS keeping "(none)", where moto stores "".
DOMAIN_NAMES = re.compile(r"/domainnames/?")
DOMAIN_NAME = re.compile(r"/domainnames/(?P<name>[^/]+)/?")
BASE_PATH_MAPPING = re.compile(r"/domainnames/(?P<name>[^/]+)/basepathmappings/(?P<base_path>[^/]+)")
EDGE_CERTIFICATE_REGION = "us-east-1"
ENDPOINT_FIELDS = {
    "EDGE": ("distributionDomainName", "distributionHostedZoneId"),
    "REGIONAL": ("regionalDomainName", "regionalHostedZoneId"),
}
UPDATABLE_DOMAIN_FIELDS = ("certificateName", "certificateArn", "regionalCertificateName", "regionalCertificateArn")
# ACM DescribeCertificate (ACM User Guide, "DNS validation"): a certificate requested with DNS validation stays
# PENDING_VALIDATION until ACM finds, in public DNS, the CNAME record that DomainValidationOptions[].ResourceRecord
# names; it is then ISSUED, each option's ValidationStatus SUCCESS. moto issues every certificate 60 seconds after the
# request (MOTO_ACM_VALIDATION_WAIT), record or not. Here public DNS is the emulator's Route 53: its public hosted
# zones.
DESCRIBE_CERTIFICATE = "CertificateManager.DescribeCertificate"
ROUTE53_NAMESPACE = "{https://route53.amazonaws.com/doc/2013-04-01/}"
CREDENTIAL_SCOPE = re.compile(r"(Credential=[^/,]+/\d{8})/[^/]+/[^/]+/aws4_request")


def is_lambda_call(environ: dict) -> bool:
    """Signed for the Lambda service (its credential scope names it), not S3 or API Gateway."""
    return "/lambda/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")


def is_apigateway_call(environ: dict) -> bool:
    """Signed for API Gateway's management API."""
    return "/apigateway/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")


def is_acm_call(environ: dict, target: str) -> bool:
    """Signed for ACM, for the operation ``target`` (its X-Amz-Target)."""
    return "/acm/aws4_request" in environ.get("HTTP_AUTHORIZATION", "") and environ.get("HTTP_X_AMZ_TARGET") == target


class MotoStandIns:
    """WSGI middleware in front of moto's server app."""

    def __init__(self, moto_app: WsgiApp) -> None:
        self.moto_app = moto_app
        # SnapStart's ApplyOn, which moto does not keep: per function ($LATEST), and per published version.
        self.snap_start: dict[str, str] = {}
        self.published_snap_start: dict[tuple[str, str], str] = {}
        # The fields UpdateDomainName replaced, per domain name; the certificates found validated in DNS.
        self.domain_updates: dict[str, dict[str, Any]] = {}
        self.validated_certificates: set[str] = set()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if method == "GET" and (match := CODE_DOWNLOAD.fullmatch(path)):
            return self.download_code(start_response, **match.groupdict())
        if is_lambda_call(environ):
            if method == "GET" and (match := PARTIAL_ARN_VERSION.fullmatch(path)):
                return self.get_function_version(environ, start_response, match["name"], match["qualifier"])
            if method == "GET" and (match := LIST_FUNCTION_URL_CONFIGS.fullmatch(path)):
                return self.list_function_url_configs(environ, start_response, match["name"])
            if method == "POST" and ADD_PERMISSION.fullmatch(path):
                return self.add_permission(environ, start_response)
            if match := FUNCTION_CONFIGURATIONS.fullmatch(path):
                return self.with_snap_start(environ, start_response, match["name"])
        if is_apigateway_call(environ):
            mode = parse_qs(environ.get("QUERY_STRING", "")).get("mode", ["merge"])[0]
            if method == "POST" and REST_APIS.fullmatch(path) and mode == "import":
                return self.import_rest_api(environ, start_response, mode)
            if method == "PUT" and REST_API.fullmatch(path):
                return self.import_rest_api(environ, start_response, mode)
            if method == "PATCH" and REST_API.fullmatch(path):
                return self.update_rest_api(environ, start_response)
            if DOMAIN_NAMES.fullmatch(path) or DOMAIN_NAME.fullmatch(path):
                return self.domain_names(environ, start_response, method, path)
            if method == "PATCH" and BASE_PATH_MAPPING.fullmatch(path):
                return self.update_base_path_mapping(environ, start_response)
        if is_acm_call(environ, DESCRIBE_CERTIFICATE):
            return self.describe_certificate(environ, start_response)
        return self.moto_app(environ, start_response)

    def list_function_url_configs(self, environ: dict, start_response: Callable, name: str) -> Iterable[bytes]:
        """AWS: 404 ResourceNotFoundException for an unknown function, else 200
        ``{"FunctionUrlConfigs": [...]}`` with one entry per URL (a function has at most one
        unqualified URL; an empty list when it has none)."""
        status, headers, body = self.ask_moto(environ, "GET", f"/2015-03-31/functions/{name}")
        if not status.startswith("200"):
            start_response(status, headers)
            return [body]
        status, _, body = self.ask_moto(environ, "GET", f"/2021-10-31/functions/{name}/url")
        configs = [json.loads(body)] if status.startswith("200") else []
        for config in configs:
            config.pop("ResponseMetadata", None)
        return respond(start_response, "200 OK", {"FunctionUrlConfigs": configs})

    def add_permission(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """AWS: 201 Created with ``{"Statement": "<the statement as a JSON string>"}``."""
        status, headers, body = self.ask_moto(environ)
        if status.startswith("200"):
            status = "201 Created"
        start_response(status, headers)
        return [body]

    def with_snap_start(self, environ: dict, start_response: Callable, name: str | None) -> Iterable[bytes]:
        """Moto's answer, with each function configuration's SnapStart as AWS reports it."""
        request = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ = {**environ, "wsgi.input": io.BytesIO(request)}
        status, headers, body = self.ask_moto(environ)
        method, query = environ["REQUEST_METHOD"], environ.get("QUERY_STRING", "")
        if method == "DELETE" and status.startswith("2") and name and "Qualifier" not in query:
            self.snap_start.pop(name, None)
            self.published_snap_start = {key: on for key, on in self.published_snap_start.items() if key[0] != name}
        try:
            answer = json.loads(body) if status.startswith("2") and body else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            start_response(status, headers)
            return [body]
        requested = json.loads(request).get("SnapStart") if method in ("POST", "PUT") and request else None
        configurations = [answer] if "FunctionName" in answer else [answer.get("Configuration")]
        configurations += answer.get("Functions", []) + answer.get("Versions", [])
        for configuration in filter(None, configurations):
            function, version = configuration["FunctionName"], configuration["Version"]
            if requested is not None:
                self.snap_start[function] = requested.get("ApplyOn", "None")
            apply_on = self.snap_start.get(function, "None")
            if version != "$LATEST":
                apply_on = self.published_snap_start.setdefault((function, version), apply_on)
            published = apply_on == "PublishedVersions" and version != "$LATEST"
            configuration["SnapStart"] = {"ApplyOn": apply_on, "OptimizationStatus": "On" if published else "Off"}
        body = json.dumps(answer).encode()
        start_response(
            status, [*[h for h in headers if h[0].lower() != "content-length"], ("Content-Length", str(len(body)))]
        )
        return [body]

    def get_function_version(
        self, environ: dict, start_response: Callable, name: str, qualifier: str
    ) -> Iterable[bytes]:
        """GetFunction of ``name`` at ``qualifier`` as AWS answers it: moto's, with a Location on this emulator."""
        by_name = elsewhere(environ, "GET", f"/2015-03-31/functions/{name}", f"Qualifier={qualifier}")
        status, headers, body = answer_of(functools.partial(self.with_snap_start, name=name), by_name)
        if not status.startswith("200"):
            start_response(status, headers)
            return [body]
        document = json.loads(body)
        configuration = document["Configuration"]
        _, _, _, region, account, _ = configuration["FunctionArn"].split(":", 5)
        location = f"/stand-in/lambda-code/{account}/{region}/{name}/{configuration['Version']}"
        document["Code"] = {"RepositoryType": "S3", "Location": f"http://{environ['HTTP_HOST']}{location}"}
        return respond(start_response, "200 OK", document)

    def download_code(
        self, start_response: Callable, account: str, region: str, name: str, version: str
    ) -> Iterable[bytes]:
        """The package of a function's version. moto's server has no address for it: its state, in this process."""
        from moto.awslambda.exceptions import UnknownFunctionException
        from moto.backends import get_backend

        try:
            code = get_backend("lambda")[account][region].get_function(name, version).code_bytes
        except UnknownFunctionException:
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/zip"), ("Content-Length", str(len(code)))])
        return [code]

    def import_rest_api(self, environ: dict, start_response: Callable, mode: str) -> Iterable[bytes]:
        """ImportRestApi or PutRestApi as AWS makes them: moto's, with the document as moto reads it, then the
        document's binary media types."""
        document = json.loads(read_body(environ) or b"{}")
        for_moto = {**document, "paths": {path: moto_methods(item) for path, item in document.get("paths", {}).items()}}
        status, headers, body = self.ask_moto(with_body(environ, for_moto))
        if not status.startswith("2"):
            start_response(status, headers)
            return [body]
        api = json.loads(body)
        held, listed = api.get("binaryMediaTypes") or [], document.get(BINARY_MEDIA_TYPES, [])
        wanted = [*held, *[kind for kind in listed if kind not in held]] if mode == "merge" else listed
        changes = [{"op": "remove", "path": "/binaryMediaTypes", "value": kind} for kind in held]
        changes += [{"op": "add", "path": "/binaryMediaTypes", "value": kind} for kind in wanted]
        if wanted != held:
            patch = with_body(environ, {"patchOperations": changes}, "PATCH", f"/restapis/{api['id']}")
            status, headers, body = self.ask_moto(patch)
        start_response(status, headers)
        return [body]

    def update_rest_api(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """UpdateRestApi with AWS's binary media type paths, given to moto as the value it reads."""
        document = json.loads(read_body(environ) or b"{}")
        changes = []
        for change in document.get("patchOperations", []):
            if match := BINARY_MEDIA_TYPE_PATH.fullmatch(change.get("path", "")):
                kind = match["escaped"].replace("~1", "/").replace("~0", "~")
                change = {"op": change["op"], "path": "/binaryMediaTypes", "value": kind}
            changes.append(change)
        status, headers, body = self.ask_moto(with_body(environ, {**document, "patchOperations": changes}))
        start_response(status, headers)
        return [body]

    def domain_names(self, environ: dict, start_response: Callable, method: str, path: str) -> Iterable[bytes]:
        """Create, get, list, update or delete custom domain names as AWS does (see the notes above DOMAIN_NAMES)."""
        match = DOMAIN_NAME.fullmatch(path)
        name = match["name"] if match else None
        if method == "POST" and name is None:
            request = json.loads(read_body(environ) or b"{}")
            request.setdefault("endpointConfiguration", {"types": ["EDGE"]})
            if refused := self.certificate_refusal(environ, request["endpointConfiguration"], request):
                return refused(start_response)
            environ = with_body(environ, request)
        elif method == "PATCH" and name is not None:
            return self.update_domain_name(environ, start_response, name)
        status, headers, body = self.ask_moto(environ)
        if method == "DELETE" and status.startswith("2") and name is not None:
            self.domain_updates.pop(name, None)
        if method not in ("GET", "POST") or not status.startswith("2"):
            start_response(status, headers)
            return [body]
        answer = json.loads(body)
        if "item" in answer:
            answer["item"] = [self.as_aws_domain(domain) for domain in answer["item"]]
        else:
            answer = self.as_aws_domain(answer)
        return respond(start_response, status, answer)

    def update_domain_name(self, environ: dict, start_response: Callable, name: str) -> Iterable[bytes]:
        """UpdateDomainName: the replaced fields kept here, the domain name as AWS then holds it."""
        changes = json.loads(read_body(environ) or b"{}").get("patchOperations", [])
        status, headers, body = self.ask_moto(environ, "GET", f"/domainnames/{name}")
        if not status.startswith("200"):
            start_response(status, headers)
            return [body]
        domain = self.as_aws_domain(json.loads(body))
        replaced = {}
        for change in changes:
            field = change.get("path", "").lstrip("/")
            if change.get("op") != "replace" or field not in UPDATABLE_DOMAIN_FIELDS:
                return api_error("BadRequestException", f"Invalid patch operation: {json.dumps(change)}")(
                    start_response
                )
            replaced[field] = change.get("value")
        if refused := self.certificate_refusal(environ, domain.get("endpointConfiguration", {}), replaced):
            return refused(start_response)
        self.domain_updates.setdefault(name, {}).update(replaced)
        return respond(start_response, "200 OK", {**domain, **replaced})

    def as_aws_domain(self, domain: dict[str, Any]) -> dict[str, Any]:
        """A domain name as moto holds it, with the fields of its endpoint types only and UpdateDomainName's."""
        types = domain.get("endpointConfiguration", {}).get("types", [])
        others = [field for kind, fields in ENDPOINT_FIELDS.items() if kind not in types for field in fields]
        kept = {key: value for key, value in domain.items() if key not in others}
        return {**kept, **self.domain_updates.get(domain.get("domainName", ""), {})}

    def certificate_refusal(
        self, environ: dict, endpoint: Mapping[str, Any], request: Mapping[str, Any]
    ) -> Responder | None:
        """AWS's answer to an EDGE domain given a certificate it cannot use (a responder), else None."""
        arn = request.get("certificateArn")
        if not arn or "EDGE" not in endpoint.get("types", []):
            return None
        region = arn.split(":")[3] if arn.count(":") >= 5 else ""
        if region != EDGE_CERTIFICATE_REGION:
            message = f"Invalid certificate ARN: {arn}. Certificate must be in '{EDGE_CERTIFICATE_REGION}'."
            return api_error("BadRequestException", message)
        ask = signed_for(environ, "acm", region, "POST", "/", json.dumps({"CertificateArn": arn}).encode())
        ask["HTTP_X_AMZ_TARGET"] = DESCRIBE_CERTIFICATE
        status, _, body = answer_of(self, ask)
        held = json.loads(body).get("Certificate", {}) if status.startswith("200") else {}
        if held.get("Status") != "ISSUED":
            # AWS's wording for this refusal is not documented; this one is the stand-in's.
            return api_error("BadRequestException", f"Certificate {arn} is {held.get('Status', 'not found')}")
        return None

    def update_base_path_mapping(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """UpdateBasePathMapping, an empty base path given to moto as the "(none)" AWS holds."""
        document = json.loads(read_body(environ) or b"{}")
        changes = [
            {**change, "value": "(none)"} if change.get("path") == "/basePath" and not change.get("value") else change
            for change in document.get("patchOperations", [])
        ]
        status, headers, body = self.ask_moto(with_body(environ, {**document, "patchOperations": changes}))
        start_response(status, headers)
        return [body]

    def describe_certificate(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """ACM DescribeCertificate, a DNS-validated certificate issued once its validation records are in DNS."""
        status, headers, body = self.ask_moto(environ)
        if not status.startswith("200"):
            start_response(status, headers)
            return [body]
        answer = json.loads(body)
        certificate = answer["Certificate"]
        options = certificate.get("DomainValidationOptions", [])
        dns_validated = [option for option in options if option.get("ValidationMethod") == "DNS"]
        if certificate.get("Type") != "AMAZON_ISSUED" or not dns_validated:
            return respond(start_response, status, answer)
        if certificate["Status"] in ("PENDING_VALIDATION", "ISSUED"):
            arn, records = certificate["CertificateArn"], self.public_dns_records(environ)
            wanted = {dns_record(option["ResourceRecord"]) for option in dns_validated}
            if wanted <= records:
                self.validated_certificates.add(arn)
            issued = arn in self.validated_certificates
            certificate["Status"] = "ISSUED" if issued else "PENDING_VALIDATION"
            for option in dns_validated:
                option["ValidationStatus"] = "SUCCESS" if issued else "PENDING_VALIDATION"
            if not issued:
                certificate.pop("IssuedAt", None)
        return respond(start_response, status, answer)

    def public_dns_records(self, environ: dict) -> set[tuple[str, str, str]]:
        """(name, type, value) of every record in the emulator's public Route 53 hosted zones."""
        records = set()
        _, _, body = answer_of(
            self.moto_app, signed_for(environ, "route53", "us-east-1", "GET", "/2013-04-01/hostedzone")
        )
        # moto's own answers, from this process: nothing untrusted is parsed.
        for zone in ElementTree.fromstring(body).iter(f"{ROUTE53_NAMESPACE}HostedZone"):  # noqa: S314
            if zone.findtext(f"{ROUTE53_NAMESPACE}Config/{ROUTE53_NAMESPACE}PrivateZone") == "true":
                continue
            path = f"/2013-04-01{zone.findtext(f'{ROUTE53_NAMESPACE}Id')}/rrset"
            _, _, listed = answer_of(self.moto_app, signed_for(environ, "route53", "us-east-1", "GET", path))
            for record in ElementTree.fromstring(listed).iter(f"{ROUTE53_NAMESPACE}ResourceRecordSet"):  # noqa: S314
                name, kind = record.findtext(f"{ROUTE53_NAMESPACE}Name"), record.findtext(f"{ROUTE53_NAMESPACE}Type")
                for value in record.iter(f"{ROUTE53_NAMESPACE}Value"):
                    records.add(dns_record({"Name": name, "Type": kind, "Value": value.text}))
        return records

    def ask_moto(self, environ: dict, method: str | None = None, path: str | None = None) -> tuple[str, list, bytes]:
        """Moto's own answer to this request, or to a GET of another path with the same credentials."""
        if method is not None:
            environ = {**elsewhere(environ, method, path), "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO(b"")}
        return answer_of(self.moto_app, environ)


def answer_of(app: WsgiApp, environ: dict) -> tuple[str, list, bytes]:
    """The status, headers and body ``app`` answers ``environ`` with."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        answer.update(status=status, headers=headers)

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return answer["status"], answer["headers"], body


def signed_for(environ: dict, service: str, region: str, method: str, path: str, body: bytes = b"") -> dict:
    """A request to another service, with the caller's credentials (the emulator checks no signature unless IAM is
    enforced, and none of these calls is made then)."""
    authorization = CREDENTIAL_SCOPE.sub(rf"\1/{region}/{service}/aws4_request", environ.get("HTTP_AUTHORIZATION", ""))
    caller = {key: value for key, value in environ.items() if key != "HTTP_X_AMZ_TARGET"}
    return {
        **elsewhere(caller, method, path),
        "HTTP_AUTHORIZATION": authorization,
        "CONTENT_TYPE": "application/x-amz-json-1.1" if body else "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }


def dns_record(record: Mapping[str, Any]) -> tuple[str, str, str]:
    """A DNS record as (name, type, value), compared as DNS does: without case or the root's final dot."""
    return tuple(str(record[key]).rstrip(".").lower() for key in ("Name", "Type", "Value"))  # type: ignore[return-value]


def api_error(code: str, message: str) -> Responder:
    """An API Gateway error answer (400 for BadRequestException), to give to a ``start_response``."""
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = [("Content-Type", "application/json"), ("X-Amzn-ErrorType", code), ("Content-Length", str(len(body)))]

    def answer(start_response: Callable) -> list[bytes]:
        start_response("400 Bad Request", headers)
        return [body]

    return answer


def respond(start_response: Callable, status: str, document: dict) -> list[bytes]:
    body = json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def read_body(environ: dict) -> bytes:
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))


def with_body(environ: dict, document: Mapping[str, Any], method: str | None = None, path: str | None = None) -> dict:
    """The request, or one to another method and path with the same credentials, carrying ``document``."""
    body = json.dumps(document).encode()
    changed = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    return changed if method is None else elsewhere(changed, method, path)


def elsewhere(environ: dict, method: str, path: str, query: str = "") -> dict:
    """The request, with the same credentials and body, to another method, path and query string."""
    return {
        **environ,
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "RAW_URI": path,
        "REQUEST_URI": path,
        "QUERY_STRING": query,
    }


def moto_methods(item: Mapping[str, Any]) -> dict[str, Any]:
    """A Path Item as moto's import should read it: its operations only, by method, enums as AWS holds them."""
    methods = {}
    for key, operation in item.items():
        method = "ANY" if key == ANY_METHOD else key.upper() if key in OPERATIONS else None
        if method is None:
            continue
        integration = operation.get("x-amazon-apigateway-integration")
        if integration:
            enums = {name: integration[name].upper() for name in INTEGRATION_ENUMS if name in integration}
            operation = {**operation, "x-amazon-apigateway-integration": {**integration, **enums}}
        methods[method] = operation
    return methods
