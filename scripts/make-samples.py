#!/usr/bin/env python3
"""Builds samples/*.json: realistic Lambda events for ship-logs, written by this script (not
copied from the corpus) so the README's main command shows every feature of shiplog.

Each sample is a DATA_MESSAGE built here, gzip'd (mtime 0, level 6: deterministic bytes) and
base64'd into the event shape ship-logs receives. Run it again after editing; commit the output.
"""
import base64, gzip, io, json, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "samples"
ACCOUNT = "123456789012"
T0 = 1_763_640_000_000  # 2025-11-20T12:00:00Z, epoch ms


def gz(obj) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as f:
        f.write(json.dumps(obj, separators=(",", ":")).encode())
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def iso(ms: int) -> str:
    import datetime
    dt = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class Stream:
    """Events of one log stream with increasing timestamps and CloudWatch-like ids."""

    def __init__(self, group, stream, start_ms, seed):
        self.group, self.stream, self.t, self.seed, self.events = group, stream, start_ms, seed, []

    def add(self, message, dt_ms=3):
        self.t += dt_ms
        eid = f"{self.t}{self.seed:08d}{len(self.events):012d}"
        self.events.append({"id": eid, "timestamp": self.t, "message": message})
        return self.t

    def payload(self):
        return {
            "messageType": "DATA_MESSAGE",
            "owner": ACCOUNT,
            "logGroup": self.group,
            "logStream": self.stream,
            "subscriptionFilters": ["shiplog"],
            "logEvents": self.events,
        }


def order_api_node():
    """Node.js 20 text format: two invocations (cold then warm), MONITORING lines in both
    dialects, a JSON body after the prefix, an Invoke Error, REPORT with X-Ray on the next line."""
    s = Stream("/aws/lambda/order-api-prod", "2025/11/20/[$LATEST]6f1c0a7e2b4d4f0f9a3e5d7c8b9a0f12", T0, 1)
    r1, r2 = "3f2b8c1e-7d4a-4e59-9b6c-1a2d3e4f5a6b", "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f"
    xray1 = "1-691f0a40-5e6f7a8b9c0d1e2f3a4b5c6d"
    s.add("INIT_START Runtime Version: nodejs:20.v48\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\n")
    s.add(f"START RequestId: {r1} Version: $LATEST\n", 180)
    t = s.add(f"{iso(s.t + 2)}\t{r1}\tINFO\tcreating order for cart c-1842\n")
    s.add(f"{iso(t + 14)}\t{r1}\tINFO\t" + json.dumps({"message": "order created", "orderId": "o-20931", "amount": 42.5, "currency": "EUR", "x-correlation-id": "7b1e4d2a-0c9f-4e3b-8a6d-5f4e3d2c1b0a"}) + "\n", 14)
    s.add(f"{iso(s.t + 1)}\t{r1}\tINFO\tMONITORING|112.7|milliseconds|create_order_latency|OrderApi|stage=prod,payment=card\n")
    s.add(f"{iso(s.t + 1)}\t{r1}\tINFO\tMONITORING|1|count|orders_created|OrderApi|stage=prod,payment=card\n")
    s.add(f"END RequestId: {r1}\n", 5)
    s.add(f"REPORT RequestId: {r1}\tDuration: 131.42 ms\tBilled Duration: 132 ms\tMemory Size: 512 MB\tMax Memory Used: 87 MB\tInit Duration: 178.31 ms\t\nXRAY TraceId: {xray1}\tSegmentId: 2c3d4e5f6a7b8c9d\tSampled: true\t\n")
    s.add(f"START RequestId: {r2} Version: $LATEST\n", 4200)
    s.add(f"{iso(s.t + 3)}\t{r2}\tWARN\tinventory service slow, retrying (attempt 2)\n")
    s.add(f"{iso(s.t + 1)}\t{r2}\tINFO\tMONITORING|{(s.t + 1) // 1000}|1|count|order.retry|#stage:prod,dependency:inventory\n")
    err = {"errorType": "InventoryUnavailableError", "errorMessage": "inventory service returned 503", "stack": ["InventoryUnavailableError: inventory service returned 503", "    at reserve (/var/task/inventory.js:41:11)", "    at async Runtime.handler (/var/task/index.js:27:5)"]}
    s.add(f"{iso(s.t + 250)}\t{r2}\tERROR\tInvoke Error \t" + json.dumps(err) + "\n", 250)
    s.add(f"END RequestId: {r2}\n")
    s.add(f"REPORT RequestId: {r2}\tDuration: 262.08 ms\tBilled Duration: 263 ms\tMemory Size: 512 MB\tMax Memory Used: 88 MB\t\nXRAY TraceId: 1-691f0a44-0f1e2d3c4b5a69788796a5b4\tSegmentId: 7a6b5c4d3e2f1a0b\tSampled: true\t\n")
    return {"awslogs": {"data": b64(gz(s.payload()))}}


def payments_python_powertools():
    """Python 3.12 with Powertools Logger (JSON), a print()ed MONITORING line, a rejected
    MONITORING line, an unhandled exception traceback and a timeout."""
    s = Stream("/aws/lambda/payments-worker", "2025/11/20/[42]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e", T0 + 60_000, 2)
    r1, r2 = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c", "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
    s.add(f"START RequestId: {r1} Version: 42\n")
    pt = {"level": "INFO", "location": "charge:31", "message": "charging card", "timestamp": "2025-11-20 12:01:00,021+0000", "service": "payments", "cold_start": True, "function_name": "payments-worker", "function_memory_size": "256", "function_arn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:payments-worker", "function_request_id": r1, "correlation_id": "corr-4f1d2e3c", "xray_trace_id": "1-691f0a7c-3a2b1c0d9e8f7a6b5c4d3e2f", "amount_cents": 4250}
    s.add(json.dumps(pt) + "\n")
    s.add(f"[INFO]\t{iso(s.t + 5)}\t{r1}\tprovider responded in 84 ms\n", 5)
    s.add("MONITORING|84|milliseconds|provider_latency|Payments|provider=stripe\n")
    s.add("MONITORING|NaN|milliseconds|provider_latency|Payments|provider=stripe\n")
    s.add(f"END RequestId: {r1}\n", 2)
    s.add(f"REPORT RequestId: {r1}\tDuration: 97.11 ms\tBilled Duration: 98 ms\tMemory Size: 256 MB\tMax Memory Used: 71 MB\tInit Duration: 412.80 ms\t\n")
    s.add(f"START RequestId: {r2} Version: 42\n", 1500)
    s.add("[ERROR] KeyError: 'card_token'\nTraceback (most recent call last):\n\u00a0\u00a0File \"/var/task/app.py\", line 57, in handler\n\u00a0\u00a0\u00a0\u00a0token = event['card_token']\n")
    s.add(f"END RequestId: {r2}\n")
    s.add(f"REPORT RequestId: {r2}\tDuration: 3003.47 ms\tBilled Duration: 3000 ms\tMemory Size: 256 MB\tMax Memory Used: 72 MB\tStatus: timeout\n", 3000)
    s.add(f"{iso(s.t + 1)} {r2} Task timed out after 3.00 seconds\n\n")
    return {"awslogs": {"data": b64(gz(s.payload()))}}


def checkout_json_format():
    """Lambda JSON log format (Node.js): platform.* records and app records, one carrying a
    JSON string message, one an EMF record (shipped, never re-published)."""
    s = Stream("/aws/lambda/checkout-api", "2025/11/20/checkout-api[$LATEST]4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f90", T0 + 120_000, 3)
    r = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910"
    def rec(t, typ, record):
        return json.dumps({"time": iso(t), "type": typ, "record": record})
    s.add(rec(s.t, "platform.initStart", {"initializationType": "on-demand", "phase": "init", "runtimeVersion": "nodejs:22.mainline.v51", "runtimeVersionArn": "arn:aws:lambda:eu-west-1::runtime:abc", "functionName": "checkout-api", "functionVersion": "$LATEST"}))
    s.add(rec(s.t + 300, "platform.start", {"requestId": r, "version": "$LATEST", "tracing": {"spanId": "1a2b3c4d5e6f7a8b", "type": "X-Amzn-Trace-Id", "value": "Root=1-691f0ab8-1b2c3d4e5f6a7b8c9d0e1f2a;Parent=5f6a7b8c9d0e1f2a;Sampled=1"}}), 300)
    s.add(json.dumps({"timestamp": iso(s.t + 3), "level": "INFO", "requestId": r, "message": json.dumps({"message": "basket priced", "items": 3, "total": 89.97})}), 3)
    emf = {"_aws": {"Timestamp": s.t + 5, "CloudWatchMetrics": [{"Namespace": "Checkout", "Dimensions": [["Service"]], "Metrics": [{"Name": "BasketValue", "Unit": "None"}]}]}, "Service": "checkout", "BasketValue": 89.97}
    s.add(json.dumps(emf), 2)
    s.add(json.dumps({"timestamp": iso(s.t + 4), "level": "ERROR", "requestId": r, "message": {"errorType": "TypeError", "errorMessage": "Cannot read properties of undefined (reading 'zip')", "stackTrace": ["TypeError: Cannot read properties of undefined (reading 'zip')", "    at shippingQuote (/var/task/shipping.mjs:12:30)"]}}), 4)
    s.add(rec(s.t + 20, "platform.report", {"requestId": r, "metrics": {"durationMs": 36.2, "billedDurationMs": 37, "memorySizeMB": 1024, "maxMemoryUsedMB": 93, "initDurationMs": 288.4}, "tracing": {"spanId": "1a2b3c4d5e6f7a8b", "type": "X-Amzn-Trace-Id", "value": "Root=1-691f0ab8-1b2c3d4e5f6a7b8c9d0e1f2a;Parent=5f6a7b8c9d0e1f2a;Sampled=1"}, "status": "success"}), 20)
    return {"awslogs": {"data": b64(gz(s.payload()))}}


def kinesis_batch():
    """Kinesis Data Streams buffering mode: a Go function's payload, a Java function's payload
    (multi-line stack trace in one event) and a CONTROL_MESSAGE record."""
    go = Stream("/aws/lambda/thumbnailer", "2025/11/20/[$LATEST]1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d", T0 + 180_000, 4)
    rg = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
    go.add(f"START RequestId: {rg} Version: $LATEST\n")
    go.add("2025/11/20 12:03:00 resizing s3://media-uploads/u/1842/avatar.png to 3 sizes\n")
    go.add("MONITORING|2.5|megabytes|thumbnail_bytes|Media|format=png\n")
    go.add(f"END RequestId: {rg}\n")
    go.add(f"REPORT RequestId: {rg}\tDuration: 742.19 ms\tBilled Duration: 743 ms\tMemory Size: 1024 MB\tMax Memory Used: 211 MB\t\n")
    java = Stream("/aws/lambda/ledger-sync", "2025/11/20/[$LATEST]9f8e7d6c5b4a39281706f5e4d3c2b1a0", T0 + 181_000, 5)
    rj = "6bc28136-1a2b-4365-b021-0ce6b2e64ab0"
    java.add(f"START RequestId: {rj} Version: $LATEST\n")
    java.add(f"2025-11-20 12:03:01 {rj} ERROR LedgerClient - sync failed\n")
    java.add("java.lang.IllegalStateException: ledger closed\n\tat com.example.ledger.LedgerClient.append(LedgerClient.java:88)\n\tat com.example.ledger.Handler.handleRequest(Handler.java:35)\n")
    java.add(f"END RequestId: {rj}\n")
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "", "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": T0, "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}
    records = []
    for i, p in enumerate([go.payload(), java.payload(), control]):
        seq = f"4959935707236262418115017726629548549872395119095080{5500 + i}"
        records.append({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": f"pk-{i}", "sequenceNumber": seq, "data": b64(gz(p)), "approximateArrivalTimestamp": (T0 + 182_000) / 1000}, "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"shardId-000000000000:{seq}", "eventName": "aws:kinesis:record", "awsRegion": "eu-west-1", "eventSourceARN": f"arn:aws:kinesis:eu-west-1:{ACCOUNT}:stream/shiplog-buffer"})
    return {"Records": records}


# --- One user action across three functions (`shiplog slice`) --------------------------------
#
# POST /orders reaches shop-api (Node.js text format, X-Ray active on this synchronous hop), which
# publishes OrderPlaced to an SNS topic; fulfilment-worker (Lambda JSON log format) takes it and
# sends FulfilmentRequested to an SQS queue; notifier (Python, Powertools Logger) mails the
# customer. The asynchronous hops carry the dazn `x-correlation-id` (Powertools' `correlation_id`
# in the notifier). Every stream also holds unrelated invocations before and after, and
# inventory-sync runs alongside: none of them may appear in the slice.
SLICE_T0 = T0 + 600_000  # 2025-11-20T12:10:00Z
SLICE_CORRELATION_ID = "order-7f3a9e12-4b6c-4d8e-a1f0-3c5b7d9e2f40"
SLICE_ORDER_ID = "o-88213"
SLICE_XRAY = "1-691f0c5a-3e7b9d1f5a2c4e6b8d0f1a3c"
SLICE_REQUESTS = {
    "shop-api": "4d6f8a0c-2e4b-4d6f-9a1c-3e5b7d9f1a2c",
    "fulfilment-worker": "8e0a2c4e-6f8b-4a0c-9e2f-4b6d8f0a2c4e",
    "notifier": "f1a3c5e7-9b1d-4f3a-8c5e-7a9b1d3f5a7c",
}


def node_invocation(s, rid, xray, segment, lines, report, init_ms=None):
    """One Node.js text-format invocation: START, `lines` as (dt, level, message), END, REPORT
    (with the X-Ray part on the next line when `xray` is given)."""
    s.add(f"START RequestId: {rid} Version: $LATEST\n", 40)
    for dt, level, message in lines:
        s.add(f"{iso(s.t + dt)}\t{rid}\t{level}\t{message}\n", dt)
    s.add(f"END RequestId: {rid}\n", 2)
    init = f"\tInit Duration: {init_ms:.2f} ms" if init_ms else ""
    tail = f"\t\nXRAY TraceId: {xray}\tSegmentId: {segment}\tSampled: true\t\n" if xray else "\t\n"
    s.add(f"REPORT RequestId: {rid}\t{report}{init}{tail}", 1)


def slice_shop_api():
    """shop-api: an unrelated GET, the order (X-Ray + x-correlation-id), an unrelated failed
    POST with its own trace and correlation id."""
    s = Stream("/aws/lambda/shop-api", "2025/11/20/[$LATEST]3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3b", SLICE_T0, 11)
    node_invocation(s, "a1c2e3f4-0b1d-4c2e-8f3a-5b6c7d8e9f01", "1-691f0c58-0a1b2c3d4e5f60718293a4b5", "0f1e2d3c4b5a6978", [
        (3, "INFO", "GET /products?category=tea"),
        (1, "INFO", json.dumps({"message": "catalogue served", "x-correlation-id": "browse-55c1", "items": 24})),
    ], "Duration: 18.20 ms\tBilled Duration: 19 ms\tMemory Size: 256 MB\tMax Memory Used: 74 MB", init_ms=201.77)
    rid = SLICE_REQUESTS["shop-api"]
    node_invocation(s, rid, SLICE_XRAY, "5a7c9e1b3d5f7a9c", [
        (3, "INFO", "POST /orders"),
        (2, "INFO", json.dumps({"message": "order placed", "x-correlation-id": SLICE_CORRELATION_ID, "order_id": SLICE_ORDER_ID, "total": 64.9, "currency": "EUR"})),
        (11, "INFO", json.dumps({"message": "published OrderPlaced", "x-correlation-id": SLICE_CORRELATION_ID, "topic": "arn:aws:sns:eu-west-1:123456789012:orders", "sns_message_id": "2f0c6a1e-77b1-5d3e-9a44-0b6c8d1e3f5a"})),
    ], "Duration: 24.61 ms\tBilled Duration: 25 ms\tMemory Size: 256 MB\tMax Memory Used: 76 MB")
    err = {"errorType": "ValidationError", "errorMessage": "cart is empty", "stack": ["ValidationError: cart is empty", "    at placeOrder (/var/task/orders.js:18:11)"]}
    node_invocation(s, "b7d9f1a3-c5e7-4a9b-8d1f-3a5c7e9b1d3f", "1-691f0c5b-9d8c7b6a5f4e3d2c1b0a9f8e", "6b5a4f3e2d1c0b9a", [
        (2, "INFO", json.dumps({"message": "POST /orders", "x-correlation-id": "order-0b2e41aa-empty-cart"})),
        (1, "ERROR", "Invoke Error \t" + json.dumps(err)),
    ], "Duration: 7.93 ms\tBilled Duration: 8 ms\tMemory Size: 256 MB\tMax Memory Used: 76 MB")
    return {"awslogs": {"data": b64(gz(s.payload()))}}


def slice_fulfilment_worker():
    """fulfilment-worker (Lambda JSON log format: platform.* records; app lines from the dazn
    logger, no X-Ray): an unrelated cold start, the
    OrderPlaced message (a carrier error, a retry, FulfilmentRequested sent), an unrelated one."""
    s = Stream("/aws/lambda/fulfilment-worker", "2025/11/20/fulfilment-worker[$LATEST]7e9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e", SLICE_T0 + 40, 12)
    def rec(typ, record, dt):
        return s.add(json.dumps({"time": iso(s.t + dt), "type": typ, "record": record}), dt)
    def app(rid, level, body, dt):
        # dazn-lambda-powertools' logger writes its own JSON line (Lambda passes it through):
        # awsRequestId and x-correlation-* keys at the top level.
        return s.add(json.dumps({"level": level, "timestamp": iso(s.t + dt), "functionName": "fulfilment-worker", "awsRequestId": rid, **body}), dt)
    def invocation(rid, lines, metrics, gap=5):
        rec("platform.start", {"requestId": rid, "version": "$LATEST"}, gap)
        for level, body, dt in lines:
            app(rid, level, body, dt)
        rec("platform.report", {"requestId": rid, "metrics": metrics, "status": "success"}, 2)
    rec("platform.initStart", {"initializationType": "on-demand", "phase": "init", "runtimeVersion": "nodejs:22.mainline.v51", "runtimeVersionArn": "arn:aws:lambda:eu-west-1::runtime:def", "functionName": "fulfilment-worker", "functionVersion": "$LATEST"}, 0)
    invocation("c2e4a6b8-0d2f-4a6c-8e0b-2d4f6a8c0e2b", [
        ("INFO", {"message": "restock notice processed", "x-correlation-id": "restock-19d4", "sku": "TEA-0042"}, 4),
    ], {"durationMs": 12.4, "billedDurationMs": 13, "memorySizeMB": 512, "maxMemoryUsedMB": 81, "initDurationMs": 233.1})
    rid = SLICE_REQUESTS["fulfilment-worker"]
    invocation(rid, [
        ("INFO", {"message": "received OrderPlaced", "x-correlation-id": SLICE_CORRELATION_ID, "order_id": SLICE_ORDER_ID}, 60),
        ("ERROR", {"message": "carrier API timed out, retrying", "x-correlation-id": SLICE_CORRELATION_ID, "carrier": "parcelnet", "attempt": 1}, 1500),
        ("INFO", {"message": "shipment booked", "x-correlation-id": SLICE_CORRELATION_ID, "tracking": "PN-2025-118842"}, 310),
        ("INFO", {"message": "sent FulfilmentRequested", "x-correlation-id": SLICE_CORRELATION_ID, "queue": "https://sqs.eu-west-1.amazonaws.com/123456789012/notifications"}, 6),
    ], {"durationMs": 1884.7, "billedDurationMs": 1885, "memorySizeMB": 512, "maxMemoryUsedMB": 96}, gap=120)
    invocation("d3f5b7c9-1e3a-4b7d-9f1c-3e5a7c9e1f3a", [
        ("INFO", {"message": "received OrderPlaced", "x-correlation-id": "order-2c8d5e17-a3b4-4f60-9d21-7e8f9a0b1c2d", "order_id": "o-88190"}, 900),
        ("INFO", {"message": "sent FulfilmentRequested", "x-correlation-id": "order-2c8d5e17-a3b4-4f60-9d21-7e8f9a0b1c2d"}, 40),
    ], {"durationMs": 44.0, "billedDurationMs": 44, "memorySizeMB": 512, "maxMemoryUsedMB": 97})
    return {"awslogs": {"data": b64(gz(s.payload()))}}


def slice_notifier():
    """notifier (Python 3.12, Powertools Logger JSON with `correlation_id`): an unrelated
    notification, the order's confirmation mail, an unrelated one."""
    s = Stream("/aws/lambda/notifier", "2025/11/20/[7]9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a", SLICE_T0 + 1_500, 13)
    arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:notifier"
    def invocation(rid, correlation_id, messages, report, dt):
        s.add(f"START RequestId: {rid} Version: 7\n", dt)
        for level, message, extra, gap in messages:
            ms = s.t + gap
            stamp = f"{iso(ms)[:10]} {iso(ms)[11:19]},{ms % 1000:03d}+0000"
            line = {"level": level, "location": "handler:22", "message": message, "timestamp": stamp, "service": "notifier", "cold_start": False, "function_name": "notifier", "function_memory_size": "128", "function_arn": arn, "function_request_id": rid, "correlation_id": correlation_id}
            line.update(extra)
            s.add(json.dumps(line) + "\n", gap)
        s.add(f"END RequestId: {rid}\n", 2)
        s.add(f"REPORT RequestId: {rid}\t{report}\t\n", 1)
    invocation("e0f2a4c6-8b0d-4e2f-a4c6-8e0a2c4e6f80", "password-reset-7741", [
        ("INFO", "password reset mail sent", {"template": "password-reset"}, 12),
    ], "Duration: 140.22 ms\tBilled Duration: 141 ms\tMemory Size: 128 MB\tMax Memory Used: 58 MB", 0)
    invocation(SLICE_REQUESTS["notifier"], SLICE_CORRELATION_ID, [
        ("INFO", "received FulfilmentRequested", {"order_id": SLICE_ORDER_ID}, 6),
        ("WARNING", "SES sending rate close to quota", {"sent_last_second": 13}, 30),
        ("INFO", "order confirmation mail sent", {"order_id": SLICE_ORDER_ID, "ses_message_id": "0102019a-5c1e-7d3f-8e9a-b1c2d3e4f5a6-000000"}, 180),
    ], "Duration: 231.08 ms\tBilled Duration: 232 ms\tMemory Size: 128 MB\tMax Memory Used: 61 MB", 1_000)
    invocation("a9c1e3f5-7b9d-4c1e-b3f5-7a9c1e3b5d7f", "order-2c8d5e17-a3b4-4f60-9d21-7e8f9a0b1c2d", [
        ("INFO", "received FulfilmentRequested", {"order_id": "o-88190"}, 5),
        ("INFO", "order confirmation mail sent", {"order_id": "o-88190"}, 150),
    ], "Duration: 168.51 ms\tBilled Duration: 169 ms\tMemory Size: 128 MB\tMax Memory Used: 61 MB", 400)
    return {"awslogs": {"data": b64(gz(s.payload()))}}


def slice_inventory_sync():
    """inventory-sync (Go), running alongside the order: unrelated traffic in the same minutes."""
    s = Stream("/aws/lambda/inventory-sync", "2025/11/20/[$LATEST]0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c", SLICE_T0 + 20, 14)
    for i, rid in enumerate(["5b7d9f1a-3c5e-4a7b-9d1f-5a7c9e1b3d5f", "6c8e0a2c-4d6f-4b8c-8e0a-6b8d0f2a4c6e"]):
        s.add(f"START RequestId: {rid} Version: $LATEST\n", 600 * i + 1)
        s.add("synced 128 SKUs from the warehouse\n", 90)
        s.add(f"END RequestId: {rid}\n", 2)
        s.add(f"REPORT RequestId: {rid}\tDuration: 93.50 ms\tBilled Duration: 94 ms\tMemory Size: 128 MB\tMax Memory Used: 31 MB\t\n", 1)
    return {"awslogs": {"data": b64(gz(s.payload()))}}


def main():
    samples = {
        "cloudwatch/order-api-node.json": order_api_node(),
        "cloudwatch/payments-python-powertools.json": payments_python_powertools(),
        "cloudwatch/checkout-json-log-format.json": checkout_json_format(),
        "kinesis/mixed-runtimes-with-control.json": kinesis_batch(),
        "slice/shop-api-node.json": slice_shop_api(),
        "slice/fulfilment-worker-json-log-format.json": slice_fulfilment_worker(),
        "slice/notifier-python-powertools.json": slice_notifier(),
        "slice/inventory-sync-go.json": slice_inventory_sync(),
    }
    for rel, event in samples.items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(event, indent=2) + "\n")
        print(f"wrote samples/{rel}")


if __name__ == "__main__":
    main()
