#!/usr/bin/env python3
"""SYN-queue pruning experiment (issue 14 item 2): a listen(fd, 8) server that never accepts and
32 clients that connect() at the same instant from distinct ports, all on 127.0.0.1.

Run inside the network namespace set up by run.sh (which drops the handshake-completing
segments with nftables, so every admitted client stays half-open in the server's SYN queue).
Usage: flood.py SECONDS
"""
import select
import socket
import sys
import time

PORT = 8080
BACKLOG = 8
CLIENTS = 32
FIRST_CLIENT_PORT = 40000

duration = float(sys.argv[1])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", PORT))
server.listen(BACKLOG)  # never accept()ed

clients = []
for i in range(CLIENTS):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind(("127.0.0.1", FIRST_CLIENT_PORT + i))  # distinct, known client ports
    c.setblocking(False)
    clients.append(c)
for c in clients:  # all 32 connect()s back to back: the same instant to within a millisecond
    try:
        c.connect(("127.0.0.1", PORT))
    except BlockingIOError:
        pass
time.sleep(duration)
for c in clients:
    c.close()
server.close()
