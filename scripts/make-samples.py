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


def main():
    samples = {
        "cloudwatch/order-api-node.json": order_api_node(),
        "cloudwatch/payments-python-powertools.json": payments_python_powertools(),
        "cloudwatch/checkout-json-log-format.json": checkout_json_format(),
        "kinesis/mixed-runtimes-with-control.json": kinesis_batch(),
    }
    for rel, event in samples.items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(event, indent=2) + "\n")
        print(f"wrote samples/{rel}")


if __name__ == "__main__":
    main()
