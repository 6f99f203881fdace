#!/usr/bin/env python3
"""A second, independent JA4 implementation for the tests (stdlib only).

Written from FoxIO's published description (github.com/FoxIO-LLC/ja4, technical_details/JA4.md), not from the C# code:
it decodes the TLS records a client sent first, reassembles the ClientHello and prints its JA4. The tests compare
what the terminator puts in the header with what this prints for the same bytes.

Usage: ja4.py FILE...     each FILE holds the raw bytes a client sent (its first TLS records); '-' reads stdin.
       ja4.py --hex HEX   the same bytes as hex.
Prints one JA4 per input, one per line. Exits 1 when an input holds no complete ClientHello.
"""
import hashlib
import struct
import sys

GREASE = {(n << 8) | n for n in range(0x0A, 0x100, 0x10)}  # RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa

VERSION_NAMES = {
    0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3",
    0x0200: "s2", 0x0002: "s2", 0x0100: "s1", 0xFEFF: "d1", 0xFEFD: "d2", 0xFEFC: "d3",
}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def vec8(self):
        return self.take(self.u8())

    def vec16(self):
        return self.take(self.u16())

    def done(self):
        return self.pos == len(self.data)


def handshake_message(raw):
    """Concatenates handshake record fragments until the first handshake message is whole; returns its body."""
    payload = b""
    offset = 0
    while True:
        if len(raw) < offset + 5:
            raise ValueError("no complete ClientHello")
        content_type, _major, _minor, length = struct.unpack(">BBBH", raw[offset:offset + 5])
        if content_type != 22:
            raise ValueError("not a handshake record")
        payload += raw[offset + 5:offset + 5 + length]
        offset += 5 + length
        if len(payload) >= 4:
            size = int.from_bytes(payload[1:4], "big")
            if len(payload) >= 4 + size:
                if payload[0] != 1:
                    raise ValueError("not a ClientHello")
                return payload[4:4 + size]


def u16_list(blob):
    return [struct.unpack(">H", blob[i:i + 2])[0] for i in range(0, len(blob) - 1, 2)]


def truncated_sha256(text):
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:12]


def alpn_marker(value):
    if not value:
        return "00"
    first, last = chr(value[0]), chr(value[-1])
    if first.isascii() and first.isalnum() and last.isascii() and last.isalnum():
        return first + last
    digits = value.hex()
    return digits[0] + digits[-1]


def ja4(raw):
    body = Reader(handshake_message(raw))
    legacy_version = body.u16()
    body.take(32)      # random
    body.vec8()        # legacy_session_id
    ciphers = [c for c in u16_list(body.vec16()) if c not in GREASE]
    body.vec8()        # legacy_compression_methods
    extension_types = []
    sni = False
    alpn_first = b""
    signature_algorithms = []
    versions = None
    if not body.done():
        extensions = Reader(body.vec16())
        while not extensions.done():
            kind = extensions.u16()
            data = Reader(extensions.vec16())
            if kind in GREASE:
                continue
            extension_types.append(kind)
            if kind == 0x0000:
                sni = True
            elif kind == 0x0010:
                names = Reader(data.vec16())
                if not names.done():
                    alpn_first = names.vec8()
            elif kind == 0x000D:
                signature_algorithms = [s for s in u16_list(data.vec16()) if s not in GREASE]
            elif kind == 0x002B:
                versions = [v for v in u16_list(data.vec8()) if v not in GREASE]

    version = max(versions) if versions else (legacy_version if versions is None else 0)
    part_a = "t%s%s%02d%02d%s" % (
        VERSION_NAMES.get(version, "00"),
        "d" if sni else "i",
        min(len(ciphers), 99),
        min(len(extension_types), 99),
        alpn_marker(alpn_first),
    )

    part_b = truncated_sha256(",".join("%04x" % c for c in sorted(ciphers))) if ciphers else "000000000000"

    hashed = sorted(e for e in extension_types if e not in (0x0000, 0x0010))
    if hashed:
        text = ",".join("%04x" % e for e in hashed)
        if signature_algorithms:
            text += "_" + ",".join("%04x" % s for s in signature_algorithms)
        part_c = truncated_sha256(text)
    else:
        part_c = "000000000000"
    return "%s_%s_%s" % (part_a, part_b, part_c)


def main(argv):
    if len(argv) == 3 and argv[1] == "--hex":
        inputs = [bytes.fromhex(argv[2])]
    else:
        inputs = [sys.stdin.buffer.read() if name == "-" else open(name, "rb").read() for name in argv[1:]]
    try:
        for raw in inputs:
            print(ja4(raw))
    except ValueError as error:
        print("ja4.py: %s" % error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
