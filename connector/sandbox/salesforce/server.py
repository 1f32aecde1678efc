"""The Salesforce sandbox's HTTPS server: the REST paths leadscore uses, as Salesforce serves them.

Paths (under /services/data/vXX.X/ unless absolute): `query` and `queryAll` (?q=SOQL, then
`nextRecordsUrl` pages of `Sforce-Query-Options: batchSize` records, 2,000 by default),
`sobjects/{Object}/describe`, `limits`, `composite/sobjects` (PATCH, at most 200 records, per-record
results), `tooling/sobjects/CustomField` (POST), Bulk API 2.0 ingest (`jobs/ingest` and its
batches, state, status and failedResults), plus `/services/data/` (versions),
`/services/oauth2/token` (client credentials, JWT bearer) and `/services/oauth2/userinfo`.
Every API answer carries `Sforce-Limit-Info: api-usage=USED/MAX` (docs/crm-api-facts.md,
Salesforce › Limits). Every route checks its input first: a bad request is a 4xx with Salesforce's
error array `[{"message", "errorCode", "fields"}]`, a known path asked with another method a 405
with `Allow`, the OAuth token endpoint OAuth's `{"error", "error_description"}`
(docs/crm-api-facts.md, Salesforce › Auth, versions, errors); a 5xx only from a fault profile.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt

from connector.sandbox.salesforce.objects import FieldDef, canonical_id, make_id
from connector.sandbox.salesforce.soql import SoqlError
from connector.sandbox.salesforce.store import RecordError, Store, stamp
from connector.sandbox.serving import HOST, LoopbackServer

ORG_ID = "00D5e0000000001EAA"
API_PATH = re.compile(r"^/services/data/v(?P<version>\d+\.\d)/(?P<rest>.*)$")
COLLECTION_LIMIT = 200
URI_LIMIT = 16_384  # docs/crm-api-facts.md, Salesforce › Query (request line and headers, 16 KB)
MAX_BODY = 16 * 1024 * 1024  # the sandbox's own bound on a request body (not a Salesforce figure)
CUSTOM_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*__c")  # letters, digits, single underscores
TOOLING_TYPES = {"Number": "double", "Text": "string", "LongTextArea": "textarea", "DateTime": "datetime",
                 "Picklist": "picklist", "Checkbox": "boolean", "Date": "date"}


@dataclass
class Faults:
    """Misbehaviour on demand, random under `seed`: shares of requests answered 503/500, dropped
    before an answer, and of written records refused with UNABLE_TO_LOCK_ROW; `lost_rate`: share
    of requests carried out whose answer is then lost (the connection closed instead)."""

    seed: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    lock_rate: float = 0.0
    lost_rate: float = 0.0
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
    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None,
                 allow: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields, self.allow = status, code, message, fields or [], allow


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SalesforceHTTPServer
    lose_answer = False  # this request's answer is lost after it was carried out (a fault)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the org keeps its own log
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return format_datetime(self.server.org.store.clock(), usegmt=True)

    # -- plumbing ------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        """Every HTTP method reaches `_handle` (an unknown one answers 405, never a 501)."""
        if name.startswith("do_") and name[3:].isalpha():
            return lambda: self._handle(name[3:].upper())
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a bad request line, headers too long) in Salesforce's error shape."""
        codes = {400: "BAD_REQUEST", 414: "URI_TOO_LONG", 431: "REQUEST_HEADER_FIELDS_TOO_LARGE"}
        self.close_connection = True
        self.request_version = "HTTP/1.1"  # a request line without a version still gets a status line
        status = code if code < 500 else 400
        body = json.dumps([{"message": message or "Bad request", "errorCode": codes.get(status, "BAD_REQUEST")}])
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body.encode())

    def _body(self) -> bytes:
        text = self.headers.get("Content-Length") or "0"
        if not text.isdigit():
            raise ApiError(400, "BAD_REQUEST", f"invalid Content-Length: {text[:40]}")
        length = int(text)
        if length > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "REQUEST_ENTITY_TOO_LARGE", f"the request body exceeds {MAX_BODY} bytes")
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: Any, content_type: str = "application/json;charset=UTF-8",
              api: bool = True, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        if self.lose_answer:  # carried out, then the connection drops
            self.lose_answer = False
            self.close_connection = True
            self.server.org.log.append((self.command, urlparse(self.path).path, 0))
            self.connection.shutdown(2)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        if api:
            self.send_header("Sforce-Limit-Info", f"api-usage={self.server.org.used}/{self.server.org.daily_limit}")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.server.org.log.append((self.command, urlparse(self.path).path, status))

    def _handle(self, method: str) -> None:
        org = self.server.org
        url = urlparse(self.path)
        try:
            if len(self.path) > URI_LIMIT:
                self.close_connection = True
                raise ApiError(414, "URI_TOO_LONG", f"the request URI exceeds {URI_LIMIT} bytes")
            body = self._body()
            if url.path == "/services/oauth2/token":
                self._allow(method, ("POST",))
                return self._token(body)
            if url.path == "/services/data/" or url.path == "/services/data":
                self._allow(method, ("GET",))
                return self._send(200, [{"label": "Winter '26", "url": "/services/data/v65.0", "version": "65.0"},
                                        {"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"}])
            self._authorize()
            with org.lock:
                org.used += 1
                if org.used > org.daily_limit:
                    raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                fault = org.faults.rng.random()
                self.lose_answer = org.faults.lost_rate > 0 and org.faults.rng.random() < org.faults.lost_rate
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
                self._allow(method, ("GET",))
                return self._send(200, {"user_id": org.store.user_id, "organization_id": ORG_ID,
                                        "preferred_username": org.username})
            match = API_PATH.match(url.path)
            if not match:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            self._route(method, match["version"], match["rest"].rstrip("/"), parse_qs(url.query), body)
        except ApiError as err:
            headers = {"Allow": ", ".join(err.allow)} if err.allow else {}
            self._send(err.status, [{"message": err.message, "errorCode": err.code, "fields": err.fields}],
                       headers=headers)
        except SoqlError as err:
            self._send(400, [{"message": err.message, "errorCode": err.code}])
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as err:  # a sandbox bug: answered as Salesforce answers its own (never a bad request)
            self._send(500, [{"message": f"An unexpected error occurred: {type(err).__name__}",
                              "errorCode": "UNKNOWN_EXCEPTION"}])

    def _allow(self, method: str, methods: tuple[str, ...]) -> None:
        if method not in methods:
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are "
                           f"{','.join(methods)}", allow=methods)

    def _authorize(self) -> None:
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if token not in self.server.org.tokens:
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def _token(self, body: bytes) -> None:
        org = self.server.org
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
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
        if rest == "limits":
            self._allow(method, ("GET",))
            org = self.server.org
            return self._send(200, {"DailyApiRequests": {"Max": org.daily_limit, "Remaining": max(0, org.daily_limit - org.used)},
                                    "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000}})
        if parts[0] in ("query", "queryAll") and len(parts) <= 2:
            self._allow(method, ("GET",))
            if len(parts) == 2:
                return self._query_more(version, parts[1])
            soql = (query.get("q") or [""])[0]
            return self._query(version, soql, include_deleted=parts[0] == "queryAll")
        if len(parts) == 3 and parts[0] == "sobjects" and parts[2] == "describe":
            self._allow(method, ("GET",))
            sobject = store.catalog.object_name(parts[1])
            if sobject is None:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            return self._send(200, {"name": sobject, "custom": False, "updateable": True, "queryable": True,
                                    "keyPrefix": make_id(sobject, 0)[:3],
                                    "fields": [f.describe() for f in store.catalog.fields[sobject].values()]})
        if len(parts) == 2 and parts[0] == "sobjects" and method == "POST":
            return self._create(parts[1], _json(body))
        if rest == "composite/sobjects":
            self._allow(method, ("PATCH",))
            return self._collections(_json(body))
        if rest == "tooling/sobjects/CustomField":
            self._allow(method, ("POST",))
            return self._create_field(_json(body))
        if parts[:2] == ["jobs", "ingest"] and len(parts) <= 4:
            return self._bulk(method, version, parts[2:], body)
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")

    def _batch_size(self) -> int:
        options = self.headers.get("Sforce-Query-Options", "")
        match = re.search(r"batchSize=(\d{1,9})", options)
        return max(200, min(2000, int(match.group(1)))) if match else 2000

    def _query(self, version: str, soql: str, include_deleted: bool) -> None:
        if not soql.strip():
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        locator, cursor = self.server.org.store.open_query(soql, include_deleted)
        self._page(version, locator, cursor, 0)

    def _query_more(self, version: str, token: str) -> None:
        locator, _, offset = token.rpartition("-")
        cursor = self.server.org.store.cursors.get(locator)
        if cursor is None or not offset.isdigit() or len(offset) > 9:
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        self._page(version, locator, cursor, int(offset))

    def _page(self, version: str, locator: str, cursor: Any, offset: int) -> None:
        if cursor.compiled.count_only:  # COUNT(): the number in totalSize, no records
            return self._send(200, {"totalSize": len(cursor.ids), "done": True, "records": []})
        size = self._batch_size()
        ids = cursor.ids[offset:offset + size]
        records = self.server.org.store.rows(cursor.compiled, ids, version)
        body: dict = {"totalSize": len(cursor.ids), "done": offset + size >= len(cursor.ids), "records": records}
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{offset + size}"
        self._send(200, body)

    def _create(self, name: str, body: Any) -> None:
        """`POST /sobjects/Task`: one record made → 201 `{"id", "success": true, "errors": []}`
        (docs/crm-api-facts.md, Salesforce › Writing). The sandbox makes Tasks only: the activity
        leadscore leaves for an owner."""
        store = self.server.org.store
        sobject = store.catalog.object_name(name)
        if sobject is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if sobject != "Task":
            raise ApiError(400, "INVALID_TYPE", f"the sandbox does not create {sobject} records")
        if not isinstance(body, dict) or any(isinstance(v, (dict, list)) for v in body.values()):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize the request: expected an object of field values")
        unknown = store.check_fields(sobject, body)
        if unknown:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{unknown}' on sobject of type {sobject}", [unknown])
        fixed = next((k for k in body if not store.catalog.get(sobject, k).updateable), None)
        if fixed:
            raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                           f"Unable to create/update fields: {fixed}. Please check the security settings of this field.", [fixed])
        who = body.get("WhoId")
        if who is not None and not any(store.get(kind, str(who)) for kind in ("Lead", "Contact")):
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["WhoId"])
        record_id = store.insert(sobject, **{"IsClosed": body.get("Status") == "Completed",
                                             "TaskSubtype": "Task", **body, "LastModifiedById": store.user_id})
        return self._send(201, {"id": record_id, "success": True, "errors": []})

    def _collections(self, body: Any) -> None:
        """sObject Collections update (docs/crm-api-facts.md, Salesforce › Writing): the request is
        checked whole first (400 for its shape, an unknown object or field), then each record."""
        store = self.server.org.store
        records = body.get("records") if isinstance(body, dict) else None
        all_or_none = body.get("allOrNone", False) if isinstance(body, dict) else False
        if not isinstance(records, list) or not isinstance(all_or_none, bool) or \
                not all(isinstance(r, dict) for r in records):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize the request: expected {\"allOrNone\": "
                           "boolean, \"records\": [object, ...]}")
        if len(records) > COLLECTION_LIMIT:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
        items = []
        for record in records:
            attributes = record.get("attributes")
            name = attributes.get("type") if isinstance(attributes, dict) else None
            sobject = store.catalog.object_name(name) if isinstance(name, str) else None
            if sobject is None:
                raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
            values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            unknown = store.check_fields(sobject, values)
            if unknown:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{unknown}' on sobject of type {sobject}", [unknown])
            odd = next((k for k, v in values.items() if isinstance(v, (dict, list))), None)
            if odd:
                raise ApiError(400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of {odd} from an object "
                               "or array", [odd])
            items.append((sobject, record.get("id"), values))
        self._apply(items, all_or_none)

    def _apply(self, items: list[tuple[str, Any, dict]], all_or_none: bool) -> None:
        store = self.server.org.store
        refused: dict[int, Any] = {}
        ids: list[str | None] = []
        for index, (_, raw, _) in enumerate(items):
            record_id = canonical_id(raw) if isinstance(raw, str) else None
            ids.append(record_id)
            if raw in (None, ""):
                refused[index] = RecordError("MISSING_ARGUMENT", "Id not specified in an update call", [])
            elif record_id is None:
                refused[index] = RecordError("MALFORMED_ID", f"Record ID: id value of incorrect type: {raw}", ["Id"])
            elif self._lock_fault():
                refused[index] = RecordError("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this "
                                             "record or 1 records", [])
        work = [(sobject, record_id or "", values) for (sobject, _, values), record_id in zip(items, ids, strict=True)]
        errors = store.update_many(work, "collections", all_or_none=all_or_none, refused=refused)
        results = []
        for record_id, error in zip(ids, errors, strict=True):
            if error is None:
                results.append({"id": record_id, "success": True, "errors": []})
            else:
                results.append({"success": False, "errors": [
                    {"statusCode": error.code, "message": error.message, "fields": error.fields}]})
        self._send(200, results)

    def _lock_fault(self) -> bool:
        org = self.server.org
        with org.lock:
            return org.faults.rng.random() < org.faults.lock_rate

    def _create_field(self, body: Any) -> None:
        store = self.server.org.store
        full_name = body.get("FullName") if isinstance(body, dict) else None
        metadata = body.get("Metadata") if isinstance(body, dict) else None
        if not isinstance(full_name, str) or not isinstance(metadata, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "expected {\"FullName\": string, \"Metadata\": object}")
        raw_object, _, name = full_name.partition(".")
        sobject = store.catalog.object_name(raw_object)
        if sobject is None or not CUSTOM_NAME.fullmatch(name):
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", f"Invalid FullName: {full_name[:100]}")
        if store.catalog.get(sobject, name) is not None:
            raise ApiError(400, "DUPLICATE_DEVELOPER_NAME", f"There is already a field named {name} on {sobject}.")
        kind = TOOLING_TYPES.get(metadata.get("type")) if isinstance(metadata.get("type"), str) else None
        if kind is None:
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION",
                           f"Unsupported field type: {str(metadata.get('type'))[:40]}")
        length = metadata.get("length") or (18 if kind == "double" else 0)
        if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= 131072:
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "Length: the value must be a whole number")
        label = metadata.get("label")
        store.add_field(sobject, FieldDef(name, kind, updateable=self.server.grant_on_create, length=length,
                                          custom=True, label=label if isinstance(label, str) else name))
        self._send(201, {"id": store.next_id("CustomField"), "success": True, "errors": [], "warnings": [], "infos": []})

    # -- Bulk API 2.0 ingest ---------------------------------------------------------------------

    def _bulk(self, method: str, version: str, parts: list[str], body: bytes) -> None:
        org = self.server.org
        if not parts:
            self._allow(method, ("POST",))
            return self._create_job(version, _json(body))
        job = org.jobs.get(parts[0])
        tail = parts[1:]
        if tail not in ([], ["batches"], ["failedResults"]):
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        self._allow(method, {(): ("GET", "PATCH"), ("batches",): ("PUT",), ("failedResults",): ("GET",)}[tuple(tail)])
        if job is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if tail == ["batches"]:
            if job["state"] != "Open":
                raise ApiError(409, "INVALIDJOBSTATE", "InvalidJobState : the job is not open for upload")
            try:
                job["_csv"] += body.decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError(400, "INVALIDBATCH", "InvalidBatch : the CSV data is not UTF-8") from None
            return self._send(201, None, content_type="text/plain")
        if method == "PATCH":
            spec = _json(body)
            state = spec.get("state") if isinstance(spec, dict) else None
            if state not in ("UploadComplete", "Aborted"):
                raise ApiError(400, "INVALIDJOBSTATE",
                               f"InvalidJobState : cannot change the state to {str(state)[:40]}")
            if job["state"] != "Open" and not (state == "Aborted" and job["state"] == "UploadComplete"):
                raise ApiError(409, "INVALIDJOBSTATE", f"InvalidJobState : the job is {job['state']}")
            if state == "UploadComplete":
                self._process(job)
            else:
                job["state"] = "Aborted"
            return self._send(200, _public(job))
        if not tail:
            return self._send(200, _public(job))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        header = job.get("_header", [])
        writer.writerow(["sf__Id", "sf__Error", *header])
        for record_id, error, row in job["_failed"]:
            writer.writerow([record_id, error, *[row.get(h, "") for h in header]])
        return self._send(200, out.getvalue().encode(), content_type="text/csv")

    def _create_job(self, version: str, spec: Any) -> None:
        org = self.server.org
        sobject = org.store.catalog.object_name(spec.get("object")) \
            if isinstance(spec, dict) and isinstance(spec.get("object"), str) else None
        line_ending = spec.get("lineEnding", "LF") if isinstance(spec, dict) else None
        if sobject is None or spec.get("operation") != "update" or line_ending not in ("LF", "CRLF"):
            raise ApiError(400, "INVALIDJOB", "InvalidJob : the sandbox serves update jobs on known objects")
        job_id = org.store.next_id("CustomField").replace("00N", "750", 1)
        now = stamp(org.store.clock())
        org.jobs[job_id] = {
            "id": job_id, "operation": "update", "object": sobject, "createdById": org.store.user_id,
            "createdDate": now, "systemModstamp": now, "state": "Open", "concurrencyMode": "Parallel",
            "contentType": "CSV", "apiVersion": float(version), "jobType": "V2Ingest",
            "lineEnding": line_ending, "columnDelimiter": "COMMA",
            "numberRecordsProcessed": 0, "numberRecordsFailed": 0, "retries": 0, "totalProcessingTime": 0,
            "_csv": "", "_failed": [],
        }
        self._send(200, _public(org.jobs[job_id]))

    def _process(self, job: dict) -> None:
        store = self.server.org.store
        try:
            reader = csv.DictReader(io.StringIO(job["_csv"]))
            rows = list(reader)
            header = list(reader.fieldnames or [])
        except csv.Error as err:
            job.update(state="Failed", errorMessage=f"InvalidBatch : {err}")
            return
        job["_header"] = header
        unknown = store.check_fields(job["object"], [h for h in header if h != "Id"])
        if "Id" not in header or unknown:
            job.update(state="Failed", errorMessage=f"InvalidBatch : Field name not found : {unknown or 'Id'}")
            return
        for row in rows:
            raw = row.get("Id") or ""
            values = {k: v for k, v in row.items() if k not in ("Id", None) and v not in ("", None)}  # empty: as is
            record_id = canonical_id(raw)
            if record_id is None:
                error = RecordError("MALFORMED_ID", f"Record ID: id value of incorrect type: {raw[:40]}", ["Id"])
            elif self._lock_fault():
                error = RecordError("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", [])
            else:
                error = store.update(job["object"], record_id, values, "bulk")
            if error is not None:
                job["_failed"].append((raw, f"{error.code}:{error.message}:{','.join(error.fields) or '--'}", row))
        job.update(state="JobComplete", numberRecordsProcessed=len(rows), numberRecordsFailed=len(job["_failed"]))


def _public(job: dict) -> dict:
    return {k: v for k, v in job.items() if not k.startswith("_")}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except (ValueError, RecursionError):
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
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # headers and body leave at once
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
