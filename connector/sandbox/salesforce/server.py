"""The Salesforce sandbox's HTTPS server: the REST paths leadscore uses, as Salesforce serves them.

Paths (under /services/data/vXX.X/ unless absolute): `query` and `queryAll` (?q=SOQL, then
`nextRecordsUrl` pages of `Sforce-Query-Options: batchSize` records, 2,000 by default),
`sobjects/{Object}/describe`, `limits`, `composite/sobjects` (PATCH, at most 200 records, per-record
results), `tooling/sobjects/CustomField` (POST), Bulk API 2.0 ingest (`jobs/ingest` and its
batches, state, status and failedResults), plus `/services/data/` (versions),
`/services/oauth2/token` (client credentials, JWT bearer) and `/services/oauth2/userinfo`.
Every API answer carries `Sforce-Limit-Info: api-usage=USED/MAX`; errors are JSON arrays of
`{"message", "errorCode", "fields"}` (crm-api-facts, Salesforce).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt

from connector.sandbox.salesforce.objects import FieldDef, make_id
from connector.sandbox.salesforce.soql import SoqlError
from connector.sandbox.salesforce.store import Store, stamp
from connector.sandbox.serving import HOST, LoopbackServer

ORG_ID = "00D5e0000000001EAA"
API_PATH = re.compile(r"^/services/data/v(?P<version>\d+\.\d)/(?P<rest>.*)$")
COLLECTION_LIMIT = 200
TOOLING_TYPES = {"Number": "double", "Text": "string", "LongTextArea": "textarea", "DateTime": "datetime",
                 "Picklist": "picklist", "Checkbox": "boolean", "Date": "date"}


@dataclass
class Faults:
    """Misbehaviour on demand, random under `seed`: shares of requests answered 503/500, dropped
    before an answer, and of written records refused with UNABLE_TO_LOCK_ROW."""

    seed: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    lock_rate: float = 0.0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @classmethod
    def profile(cls, name: str | None, seed: int = 0) -> Faults:
        if name in (None, "", "none"):
            return cls(seed)
        if name == "flaky":
            return cls(seed, error_rate=0.05, drop_rate=0.03, lock_rate=0.02)
        raise ValueError(f"unknown fault profile {name!r}; use none or flaky")


@dataclass
class Org:
    """Who may call and how much: tokens, the connected app, the daily allocation, faults."""

    store: Store
    tokens: set[str]
    client_id: str = "sandbox-consumer-key"
    client_secret: str = "sandbox-consumer-secret"
    username: str = "integration@leadscore.sandbox"
    daily_limit: int = 100_000
    used: int = 0
    faults: Faults = field(default_factory=Faults)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    jobs: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_token(self) -> str:
        token = f"{ORG_ID[:15]}!AQsandbox.{secrets.token_urlsafe(24)}"
        self.tokens.add(token)
        return token


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SalesforceHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the org keeps its own log
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return format_datetime(self.server.org.store.clock(), usegmt=True)

    # -- plumbing ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: Any, content_type: str = "application/json;charset=UTF-8",
              api: bool = True) -> None:
        data = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if api:
            self.send_header("Sforce-Limit-Info", f"api-usage={self.server.org.used}/{self.server.org.daily_limit}")
        self.end_headers()
        self.wfile.write(data)
        self.server.org.log.append((self.command, urlparse(self.path).path, status))

    def _handle(self, method: str) -> None:
        org = self.server.org
        url = urlparse(self.path)
        body = self._body()
        try:
            if url.path == "/services/oauth2/token" and method == "POST":
                return self._token(body)
            if url.path == "/services/data/" or url.path == "/services/data":
                return self._send(200, [{"label": "Winter '26", "url": "/services/data/v65.0", "version": "65.0"},
                                        {"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"}])
            self._authorize()
            with org.lock:
                org.used += 1
                if org.used > org.daily_limit:
                    raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                fault = org.faults.rng.random()
            if fault < org.faults.drop_rate:
                self.close_connection = True
                self.server.org.log.append((method, url.path, 0))
                self.connection.shutdown(2)
                return None
            if fault < org.faults.drop_rate + org.faults.error_rate:
                status = 503 if fault < org.faults.drop_rate + org.faults.error_rate / 2 else 500
                code = "SERVER_UNAVAILABLE" if status == 503 else "UNKNOWN_EXCEPTION"
                raise ApiError(status, code, "Server temporarily unavailable" if status == 503
                               else "An unexpected error occurred. Please include this ErrorId if you contact support.")
            if url.path == "/services/oauth2/userinfo":
                return self._send(200, {"user_id": org.store.user_id, "organization_id": ORG_ID,
                                        "preferred_username": org.username})
            match = API_PATH.match(url.path)
            if not match:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            self._route(method, match["version"], match["rest"].rstrip("/"), parse_qs(url.query), body)
        except ApiError as err:
            self._send(err.status, [{"message": err.message, "errorCode": err.code, "fields": err.fields}])
        except SoqlError as err:
            self._send(400, [{"message": err.message, "errorCode": err.code}])
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def _authorize(self) -> None:
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if token not in self.server.org.tokens:
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def _token(self, body: bytes) -> None:
        org = self.server.org
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type")
        ok = False
        if grant == "client_credentials":
            ok = form.get("client_id") == org.client_id and form.get("client_secret") == org.client_secret
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                claims = jwt.decode(form.get("assertion", ""), options={"verify_signature": False})
                ok = claims.get("iss") == org.client_id and claims.get("sub") == org.username
            except jwt.PyJWTError:
                ok = False
        if not ok:
            return self._send(400, {"error": "invalid_client", "error_description": "invalid client credentials"},
                              api=False)
        base = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._send(200, {"access_token": org.issue_token(), "instance_url": base,
                         "id": f"{base}/id/{ORG_ID}/{org.store.user_id}", "token_type": "Bearer",
                         "issued_at": str(int(time.time() * 1000)), "signature": secrets.token_urlsafe(32)},
                   api=False)

    # -- routes --------------------------------------------------------------------------------

    def _route(self, method: str, version: str, rest: str, query: dict, body: bytes) -> None:
        store = self.server.org.store
        parts = rest.split("/")
        if method == "GET" and rest == "limits":
            org = self.server.org
            return self._send(200, {"DailyApiRequests": {"Max": org.daily_limit, "Remaining": max(0, org.daily_limit - org.used)},
                                    "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000}})
        if method == "GET" and parts[0] in ("query", "queryAll"):
            if len(parts) == 2:
                return self._query_more(version, parts[1])
            soql = (query.get("q") or [""])[0]
            return self._query(version, soql, include_deleted=parts[0] == "queryAll")
        if method == "GET" and len(parts) == 3 and parts[0] == "sobjects" and parts[2] == "describe":
            fields = store.catalog.fields.get(parts[1])
            if fields is None:
                raise ApiError(404, "NOT_FOUND", f"The requested resource does not exist")
            return self._send(200, {"name": parts[1], "custom": False, "updateable": True, "queryable": True,
                                    "keyPrefix": make_id(parts[1], 0)[:3],
                                    "fields": [f.describe() for f in fields.values()]})
        if method == "PATCH" and rest == "composite/sobjects":
            return self._collections(_json(body))
        if method == "POST" and rest == "tooling/sobjects/CustomField":
            return self._create_field(_json(body))
        if parts[:2] == ["jobs", "ingest"]:
            return self._bulk(method, version, parts[2:], body)
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")

    def _batch_size(self) -> int:
        options = self.headers.get("Sforce-Query-Options", "")
        match = re.search(r"batchSize=(\d+)", options)
        return max(200, min(2000, int(match.group(1)))) if match else 2000

    def _query(self, version: str, soql: str, include_deleted: bool) -> None:
        if not soql:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        locator, cursor = self.server.org.store.open_query(soql, include_deleted)
        self._page(version, locator, cursor, 0)

    def _query_more(self, version: str, token: str) -> None:
        locator, _, offset = token.rpartition("-")
        cursor = self.server.org.store.cursors.get(locator)
        if cursor is None or not offset.isdigit():
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        self._page(version, locator, cursor, int(offset))

    def _page(self, version: str, locator: str, cursor: Any, offset: int) -> None:
        size = self._batch_size()
        ids = cursor.ids[offset:offset + size]
        records = self.server.org.store.rows(cursor.compiled, ids, version)
        body: dict = {"totalSize": len(cursor.ids), "done": offset + size >= len(cursor.ids), "records": records}
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{offset + size}"
        self._send(200, body)

    def _collections(self, body: Any) -> None:
        store = self.server.org.store
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of records")
        if len(records) > COLLECTION_LIMIT:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
        for record in records:
            sobject = (record.get("attributes") or {}).get("type")
            if sobject not in store.catalog.fields:
                raise ApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
            unknown = store.check_fields(sobject, [k for k in record if k not in ("attributes", "id")])
            if unknown:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{unknown}' on sobject of type {sobject}", [unknown])
        results = []
        for record in records:
            values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            error = self._write(record["attributes"]["type"], str(record.get("id") or ""), values, "collections")
            if error is None:
                results.append({"id": record["id"], "success": True, "errors": []})
            else:
                results.append({"success": False, "errors": [
                    {"statusCode": error.code, "message": error.message, "fields": error.fields}]})
        self._send(200, results)

    def _write(self, sobject: str, record_id: str, values: dict, via: str) -> Any:
        org = self.server.org
        with org.lock:
            locked = org.faults.rng.random() < org.faults.lock_rate
        if locked:
            from connector.sandbox.salesforce.store import RecordError

            return RecordError("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records", [])
        return org.store.update(sobject, record_id, values, via)

    def _create_field(self, body: Any) -> None:
        store = self.server.org.store
        full_name = str(body.get("FullName", ""))
        metadata = body.get("Metadata") or {}
        sobject, _, name = full_name.partition(".")
        if sobject not in store.catalog.fields or not name.endswith("__c"):
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", f"Invalid FullName: {full_name}")
        if store.catalog.get(sobject, name) is not None:
            raise ApiError(400, "DUPLICATE_DEVELOPER_NAME", f"There is already a field named {name} on {sobject}.")
        kind = TOOLING_TYPES.get(str(metadata.get("type")))
        if kind is None:
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", f"Unsupported field type: {metadata.get('type')}")
        length = int(metadata.get("length") or (18 if kind == "double" else 0))
        store.add_field(sobject, FieldDef(name, kind, updateable=self.server.grant_on_create, length=length,
                                          custom=True, label=str(metadata.get("label") or name)))
        self._send(201, {"id": store.next_id("CustomField"), "success": True, "errors": [], "warnings": [], "infos": []})

    # -- Bulk API 2.0 ingest ---------------------------------------------------------------------

    def _bulk(self, method: str, version: str, parts: list[str], body: bytes) -> None:
        org = self.server.org
        if method == "POST" and not parts:
            spec = _json(body)
            if spec.get("operation") != "update" or spec.get("object") not in org.store.catalog.fields:
                raise ApiError(400, "INVALIDJOB", "InvalidJob : the sandbox serves update jobs on known objects")
            job_id = org.store.next_id("CustomField").replace("00N", "750", 1)
            now = stamp(org.store.clock())
            org.jobs[job_id] = {
                "id": job_id, "operation": "update", "object": spec["object"], "createdById": org.store.user_id,
                "createdDate": now, "systemModstamp": now, "state": "Open", "concurrencyMode": "Parallel",
                "contentType": "CSV", "apiVersion": float(version), "jobType": "V2Ingest",
                "lineEnding": spec.get("lineEnding", "LF"), "columnDelimiter": "COMMA",
                "numberRecordsProcessed": 0, "numberRecordsFailed": 0, "retries": 0, "totalProcessingTime": 0,
                "_csv": "", "_failed": [],
            }
            return self._send(200, _public(org.jobs[job_id]))
        job = org.jobs.get(parts[0]) if parts else None
        if job is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if method == "PUT" and parts[1:] == ["batches"]:
            if job["state"] != "Open":
                raise ApiError(409, "INVALIDJOBSTATE", "InvalidJobState : the job is not open for upload")
            job["_csv"] += body.decode("utf-8")
            return self._send(201, None, content_type="text/plain")
        if method == "PATCH" and not parts[1:]:
            state = _json(body).get("state")
            if state == "UploadComplete" and job["state"] == "Open":
                self._process(job)
            elif state == "Aborted":
                job["state"] = "Aborted"
            return self._send(200, _public(job))
        if method == "GET" and not parts[1:]:
            return self._send(200, _public(job))
        if method == "GET" and parts[1:] == ["failedResults"]:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
            header = job.get("_header", [])
            writer.writerow(["sf__Id", "sf__Error", *header])
            for record_id, error, row in job["_failed"]:
                writer.writerow([record_id, error, *[row.get(h, "") for h in header]])
            return self._send(200, out.getvalue().encode(), content_type="text/csv")
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")

    def _process(self, job: dict) -> None:
        store = self.server.org.store
        reader = csv.DictReader(io.StringIO(job["_csv"]))
        header = list(reader.fieldnames or [])
        job["_header"] = header
        unknown = store.check_fields(job["object"], [h for h in header if h != "Id"])
        if "Id" not in header or unknown:
            job.update(state="Failed", errorMessage=f"InvalidBatch : Field name not found : {unknown or 'Id'}")
            return
        processed = 0
        for row in reader:
            processed += 1
            values = {k: v for k, v in row.items() if k != "Id" and v != ""}  # empty: leave the field as is
            error = self._write(job["object"], row["Id"], values, "bulk")
            if error is not None:
                job["_failed"].append((row["Id"], f"{error.code}:{error.message}:{','.join(error.fields) or '--'}", row))
        job.update(state="JobComplete", numberRecordsProcessed=processed, numberRecordsFailed=len(job["_failed"]))


def _public(job: dict) -> dict:
    return {k: v for k, v in job.items() if not k.startswith("_")}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "JSON_PARSER_ERROR", "Unexpected character in request body") from None


class SalesforceHTTPServer(LoopbackServer):
    thread_name = "salesforce-sandbox"

    def __init__(self, org: Org, context: ssl.SSLContext, port: int = 0, grant_on_create: bool = True) -> None:
        super().__init__(port, Handler)
        self.org = org
        self.context = context
        self.grant_on_create = grant_on_create

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.settimeout(30)
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.server_address[1]}"
