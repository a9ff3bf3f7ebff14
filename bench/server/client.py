# A keep-alive client for the callgrind runs: N plaintext requests, DEPTH per write; waits
# for every response. usage: client.py PORT N DEPTH [te|short] [CONNS]
#   te (default): the TechEmpower request (Host, a long Accept, Connection; 170 bytes)
#   short: what wrk sends without extra headers (`GET /plaintext`, Host; 50 bytes)
import socket, sys
port, n, depth = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
kind = sys.argv[4] if len(sys.argv) > 4 else "te"
if kind == "short":
    req = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port
else:
    req = (b"GET /plaintext HTTP/1.1\r\nHost: tfb-server:8080\r\nAccept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\nConnection: keep-alive\r\n\r\n")
# CONNS connections (default 1) take turns: each sends its DEPTH requests, then each reads
# its answers, so that with several connections the server finds many of them ready per
# wake-up, as under a load generator. N counts requests over all connections.
conns = int(sys.argv[5]) if len(sys.argv) > 5 else 1
socks = []
for _ in range(conns):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    socks.append([s, b""])
done = 0
while done < n:
    batch = []
    for entry in socks:
        k = min(depth, n - done)
        if k == 0:
            break
        entry[0].sendall(req * k)
        batch.append((entry, k))
        done += k
    for entry, k in batch:
        got = 0
        while got < k:
            entry[1] += entry[0].recv(1 << 20)
            c = entry[1].count(b"Hello, World!")
            if c:
                got += c
                entry[1] = entry[1][entry[1].rfind(b"Hello, World!") + 13:]
