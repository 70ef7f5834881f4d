#!/usr/bin/env python3
"""bench_chart_setup.py - the sessions bench_chart.sh charts, made through the API.

    bench_chart_setup.py BASE TOKEN PATIENTS OUT_JSON

As the demo admin (TOKEN) on the server at BASE: the demo practitioner's licence for
injectables, a chart policy without before photos (the photo store is not what is
measured), a single-dose product and a lot large enough for every dose, a needle and a lot
of it; then PATIENTS patients, each with her facts (pregnancy status, no known allergies),
a mixture planning 2 ml of the product on cheeks and forehead, a facial course of 4
sessions, the signed treatment consent and a screening today, and each of the 4 course
sessions checked in (walk-in, the demo practitioner), prechecked (every gate passes) and
started: PATIENTS x 4 sessions in progress, none charted.  Writes {"sessions":[ids],
"lot_id","needle_lot_id","entries":[six entries: a point inside each of six zones of the
face maps whose area the mixture plans, 0.3 ml at 1.5 mm and 40 degrees, 30G 13 mm]} to
OUT_JSON.  16 requests at a time.  Exit 1 on any refusal (its answer on stderr).
"""
import base64
import datetime
import json
import struct
import sys
import threading
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor

BASE, TOKEN, PATIENTS, OUT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
TODAY = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
local = threading.local()


def call(method, path, body=None, want=(200, 201)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + "/api/v1" + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status not in want:
        sys.stderr.write(f"bench_chart_setup: {method} {path}: {status} {text[:600]!r}\n")
        sys.exit(1)
    return json.loads(text) if text else {}


def png_signature():
    """A 120 x 40 PNG with a zigzag stroke: what a tablet signature gives."""
    w, h = 120, 40
    rows = []
    for y in range(h):
        row = bytearray([0])
        for x in range(w):
            on = abs((x % 20) - 10) * 3 == y or abs((x % 20) - 10) * 3 == y + 1
            row += bytes([0, 0, 0, 255]) if on else bytes([255, 255, 255, 0])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows))

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


def inside(poly, x, y):
    r = False
    j = len(poly) - 1
    for i in range(len(poly)):
        xi, yi = poly[i]
        xj, yj = poly[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            r = not r
        j = i
    return r


def six_zones(areas):
    """Six zones of the face maps whose area is planned, each with a point inside it."""
    maps = call("GET", "/charting/maps")
    out = []
    for m in maps["maps"]:
        if not m["id"].startswith("face_"):
            continue
        for z in m["zones"]:
            if z["area"] not in areas:
                continue
            pts = z["polygon"]
            cx = sum(p[0] for p in pts) / len(pts)
            cy = sum(p[1] for p in pts) / len(pts)
            for k in range(len(pts) + 1):
                x, y = (cx, cy) if k == 0 else ((cx + pts[k - 1][0]) / 2, (cy + pts[k - 1][1]) / 2)
                x, y = int(x), int(y)
                if inside(pts, x, y):
                    out.append((m["id"], z["code"], x, y))
                    break
    if len(out) < 6:
        sys.stderr.write(f"bench_chart_setup: only {len(out)} zones of {areas} on the face maps\n")
        sys.exit(1)
    return (out * 2)[:6] if len(out) < 6 else out[:6]


def main():
    staff = call("GET", "/staff")["items"]
    pract = [s for s in staff if s["role"] == "practitioner"][0]["id"]
    call("POST", f"/staff/{pract}/credentials",
         {"type": "licence", "number": "NMC-BENCH", "issuing_body": "NMC", "issued_on": "2020-01-01",
          "expires_on": "2099-12-31", "scopes": ["injectables"]})
    call("PUT", "/clinic/chart-policy",
         {"before_views": [], "after_views": [], "completion_hours": 72, "review_share_percent": 10})
    prod = call("POST", "/products",
                {"name": "HA bench", "presentation": "single_dose", "volume_ml": 5, "base": "aqueous",
                 "ingredients": [{"ingredient": "hyaluronic_acid"}],
                 "regulatory": {"UK": "ce_marked", "EU": "ce_marked", "US": "fda_cleared"}})
    lot = call("POST", "/lots", {"product_id": prod["id"], "lot_number": "HABENCH", "expiry": "2099-01-31",
                                 "received_on": TODAY, "quantity": 1000000})
    needle = call("POST", "/consumables", {"kind": "needle", "name": "Needle 30G 13 mm bench", "gauge": 30,
                                           "length_mm": 13})
    nlot = call("POST", "/lots", {"product_id": needle["id"], "lot_number": "NDBENCH", "expiry": "2099-01-31",
                                  "received_on": TODAY, "quantity": 1000000})
    sig = png_signature()
    areas = ["cheeks", "forehead"]
    materials = {"lots": [{"lot_id": lot["id"]}], "needle_lot_id": nlot["id"]}

    def patient(i):
        p = call("POST", "/patients", {"given_name": "Bench", "family_name": f"Chart{i:06d}",
                                       "birth_date": "1984-03-09", "sex": "female", "fitzpatrick": 3,
                                       "confirm_not_duplicate": True})
        pid = p["id"]
        call("POST", f"/patients/{pid}/status", {"pregnant": "no", "breastfeeding": "no", "recorded_on": TODAY})
        call("POST", f"/patients/{pid}/allergy_statements", {"asked_on": TODAY})
        f = call("POST", f"/patients/{pid}/formulations",
                 {"name": "Bench glow", "mixture": {"components": [{"product_id": prod["id"], "volume_ml": 2}],
                                                    "areas": areas, "concerns": ["dryness"]},
                  "planned_date": TODAY})
        c = call("POST", f"/patients/{pid}/courses",
                 {"protocol": "facial_rejuvenation", "formulation_id": f["id"], "start": TODAY,
                  "session_count": 4})
        k = call("POST", f"/patients/{pid}/consents",
                 {"purpose": "treatment", "course_id": c["id"], "language": "en", "channel": "tablet"})
        call("POST", f"/consents/{k['id']}/open", {})
        call("POST", f"/consents/{k['id']}/sign", {"typed_name": "Bench Patient", "signature": sig, "agree": True})
        call("POST", "/screenings", {"patient_id": pid, "date": TODAY,
                                     "plan": {"areas": areas, "ingredients": ["hyaluronic_acid"]}})
        ids = []
        for s in range(1, 5):
            sess = call("POST", "/sessions", {"patient_id": pid, "course_id": c["id"], "course_session": s,
                                             "practitioner_id": pract})
            call("POST", f"/sessions/{sess['id']}/precheck", {"materials": materials})
            call("POST", f"/sessions/{sess['id']}/start", {})
            ids.append(sess["id"])
        return ids

    with ThreadPoolExecutor(16) as ex:
        sessions = [s for ids in ex.map(patient, range(PATIENTS)) for s in ids]
    entries = [{"map": m, "zone": z, "x": x, "y": y, "points": 5, "volume_ml": 0.3, "depth_mm": 1.5,
                "angle_deg": 40, "needle_gauge": 30, "needle_length_mm": 13, "lot_id": lot["id"]}
               for m, z, x, y in six_zones(areas)]
    json.dump({"sessions": sessions, "lot_id": lot["id"], "needle_lot_id": nlot["id"], "entries": entries},
              open(OUT, "w"))


main()
