# A keep-alive client for the callgrind runs: N plaintext requests, DEPTH per write; waits
# for every response. usage: client.py PORT N DEPTH [te|short]
#   te (default): the TechEmpower request (Host, a long Accept, Connection; 170 bytes)
#   short: what wrk sends without extra headers (`GET /plaintext`, Host; 50 bytes)
import socket, sys
port, n, depth = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
kind = sys.argv[4] if len(sys.argv) > 4 else "te"
if kind == "short":
    req = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port
else:
    req = (b"GET /plaintext HTTP/1.1\r\nHost: tfb-server:8080\r\nAccept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\nConnection: keep-alive\r\n\r\n")
s = socket.create_connection(("127.0.0.1", port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
done = 0; buf = b""
while done < n:
    k = min(depth, n - done)
    s.sendall(req * k)
    got = 0
    while got < k:
        buf += s.recv(1 << 20)
        c = buf.count(b"Hello, World!")
        if c: 
            got += c; buf = buf[buf.rfind(b"Hello, World!") + 13:]
    done += k

