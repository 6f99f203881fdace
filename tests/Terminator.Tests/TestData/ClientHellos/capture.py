# Throwaway capture tool: listen on 127.0.0.1:0, accept one connection, save the TLS records carrying the ClientHello.
import socket, sys, struct, time
out = sys.argv[1]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(30)
c, _ = s.accept(); c.settimeout(3)
buf = b""
def complete(b):
    off = 0; payload = b""
    while len(b) >= off + 5:
        ln = struct.unpack(">H", b[off+3:off+5])[0]
        if len(b) < off + 5 + ln: return None
        payload += b[off+5:off+5+ln]; off += 5 + ln
        if len(payload) >= 4 and len(payload) >= 4 + int.from_bytes(payload[1:4], "big"): return off
    return None
deadline = time.time() + 5
while time.time() < deadline:
    try: d = c.recv(65536)
    except socket.timeout: break
    if not d: break
    buf += d
    n = complete(buf)
    if n: buf = buf[:n]; break
open(out, "wb").write(buf); print("saved", len(buf), flush=True)
c.close(); s.close()
