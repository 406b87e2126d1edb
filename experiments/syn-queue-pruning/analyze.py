#!/usr/bin/env python3
"""Per-client timeline of a flood.py capture: analyze.py FILE.pcap [--json]

Times are milliseconds after the first SYN. For each client port: its SYNs, the server's SYN-ACKs
to it (the first one is when the server admitted it to the SYN queue) and its pure ACKs.
"""
import json
import subprocess
import sys

PORT = 8080
FIELDS = ["frame.time_epoch", "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
          "tcp.flags.reset", "tcp.flags.fin", "tcp.seq", "tcp.ack", "tcp.len", "tcp.seq_raw"]

def frames(path):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "separator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        t, sport, dport, syn, ack, rst, fin, seq, acknum, length, raw = line.split(",")
        yield {"t": float(t), "sport": int(sport), "dport": int(dport), "syn": syn in ("1", "True"),
               "ack": ack in ("1", "True"), "rst": rst in ("1", "True"), "fin": fin in ("1", "True"),
               "seq": int(seq), "acknum": int(acknum or 0), "len": int(length), "raw": int(raw)}

def timeline(path):
    """Per client port: its SYNs, its pure ACKs and the server's requests for it (one per SYN-ACK
    ISN: a request that expired and a later SYN that was admitted again get a new ISN)."""
    rows = list(frames(path))
    t0 = min(r["t"] for r in rows if r["syn"] and not r["ack"])
    clients = {}
    for r in rows:
        client = r["sport"] if r["dport"] == PORT else r["dport"]
        c = clients.setdefault(client, {"syn": [], "requests": {}, "ack": [], "other": []})
        ms = round((r["t"] - t0) * 1000, 1)
        if r["syn"] and not r["ack"]:
            c["syn"].append(ms)
        elif r["syn"] and r["ack"]:
            # Every SYN-ACK is the same segment: relative seq 0, ack 1 (the client's ISN + 1), no payload.
            assert (r["acknum"], r["len"]) == (1, 0), r
            c["requests"].setdefault(r["raw"], []).append(ms)
        elif r["ack"] and not (r["rst"] or r["fin"]) and r["len"] == 0 and r["dport"] == PORT:
            c["ack"].append(ms)
        else:
            flags = "".join(n for n, on in (("S", r["syn"]), ("A", r["ack"]), ("R", r["rst"]), ("F", r["fin"])) if on)
            c["other"].append([ms, flags, r["seq"], r["acknum"], r["len"]])
    for c in clients.values():
        c["requests"] = list(c["requests"].values())
    return dict(sorted(clients.items()))

def main():
    clients = timeline(sys.argv[1])
    if "--json" in sys.argv:
        print(json.dumps(clients, indent=1))
        return
    for port, c in clients.items():
        print(f"{port}: SYN {c['syn']}\n       requests (SYN-ACKs) {c['requests']}\n       ACK {c['ack']}" +
              (f"\n       other {c['other']}" if c["other"] else ""))

main()
