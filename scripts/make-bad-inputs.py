#!/usr/bin/env python3
"""Builds tests/fixtures/bad-inputs/: hostile inputs beyond the corpus's 08-bad-inputs, each with
an asserted outcome in cli/tests/bad_inputs.rs. Deterministic (gzip mtime 0); re-run after edits."""
import base64, gzip, io, json, pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bad-inputs"
T = 1_763_640_000_000  # 2025-11-20T12:00:00Z
REQ = "3f2b8c1e-7d4a-4e59-9b6c-1a2d3e4f5a6b"


def gz(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def payload(events, group="/aws/lambda/hostile"):
    return {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": group,
            "logStream": "2025/11/20/[$LATEST]0000", "subscriptionFilters": ["shiplog"], "logEvents": events}


def ev(i, message, ts=None):
    return {"id": f"ev{i:06d}", "timestamp": T + i if ts is None else ts, "message": message}


def awslogs(obj_or_bytes) -> str:
    raw = obj_or_bytes if isinstance(obj_or_bytes, bytes) else json.dumps(obj_or_bytes, separators=(",", ":")).encode()
    return json.dumps({"awslogs": {"data": base64.b64encode(gz(raw)).decode()}})


def write(name, text_or_bytes):
    p = OUT / name
    if isinstance(text_or_bytes, bytes):
        p.write_bytes(text_or_bytes)
    else:
        p.write_text(text_or_bytes + "\n")
    print(f"wrote {p.relative_to(OUT.parent.parent.parent)} ({p.stat().st_size} bytes)")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    # 1 MiB event: the body is truncated to the 256 KiB cap with a marker, never rejected.
    big = f"2025-11-20T12:00:00.000Z\t{REQ}\tINFO\t" + ("0123456789abcdef" * 65536) + "\n"
    write("huge-event-1mb.json", awslogs(payload([ev(0, big), ev(1, "after the big one\n")])))
    # Invalid UTF-8 inside a JSON string of an already-decoded payload: decoded lossily.
    raw = json.dumps(payload([ev(0, "PLACEHOLDER"), ev(1, "fine\n")])).encode()
    raw = raw.replace(b"PLACEHOLDER", b"caf\xc3 \xff\xfe broken\\n")
    write("invalid-utf8-in-json-string.json", raw)
    # Deeply nested JSON lines: shipped as text, never parsed into a tree, never a stack overflow.
    deep_array = "[" * 100_000 + "]" * 100_000
    deep_object = '{"a":' * 200 + "1" + "}" * 200
    write("deeply-nested-json-lines.json", awslogs(payload([ev(0, deep_array + "\n"), ev(1, deep_object + "\n"), ev(2, '{"ok":true,"message":"shallow"}\n')])))
    # 100 000 tiny events in one payload: every one ships.
    write("many-tiny-events.json", awslogs(payload([ev(i, "x\n") for i in range(100_000)])))
    # logEvents not an array: the payload is undecodable (exit 1).
    write("logevents-not-an-array.json", awslogs({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "/aws/lambda/x", "logStream": "s", "logEvents": {"id": "1", "timestamp": T, "message": "m"}}))
    # Events with fields of the wrong type: each rejected alone, the good one ships.
    write("event-fields-wrong-types.json", awslogs(payload([
        {"id": {"nested": 1}, "timestamp": T, "message": "id is an object\n"},
        {"id": "ev-ts", "timestamp": "abc", "message": "timestamp is text\n"},
        {"id": "ev-msg", "timestamp": T, "message": 42},
        {"id": "ev-neg", "timestamp": -5, "message": "timestamp before 1970\n"},
        ev(9, "the good one\n"),
    ])))
    # MONITORING edge cases (event time T): every line ships as a document; the table in
    # cli/tests/bad_inputs.rs says which become metrics and which are rejected, and why.
    dims31 = ",".join(f"d{i}=v{i}" for i in range(31))
    mon = [
        f"MONITORING|1|Count|too_many_dims|Edge|{dims31}",            # metric-too-many-dimensions
        "MONITORING|NaN|Count|nan_value|Edge",                          # metric-value-not-finite
        "MONITORING|1e999|Count|overflow|Edge",                          # metric-value-not-finite
        f"MONITORING|{T}|5|Count|ms_epoch|#k:v",                         # accepted (13-digit epoch = ms)
        f"MONITORING|{T * 1000}|5|Count|us_epoch|#k:v",                  # metric-timestamp-invalid
        "MONITORING|3|Count|café_commandes|Edge",                        # accepted (non-ASCII name)
        "MONITORING|3|Count|orders|Edge|région=Île-de-France",           # metric-invalid-characters
        "MONITORING|2|Count|ok_line|Edge|stage=prod",                     # accepted
    ]
    write("monitoring-edge-cases.json", awslogs(payload([ev(i, m + "\n", ts=T) for i, m in enumerate(mon)])))


if __name__ == "__main__":
    main()
