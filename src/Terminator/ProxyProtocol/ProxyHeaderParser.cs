using System.Buffers;

namespace Terminator.ProxyProtocol;

/// <summary>
/// Parses the PROXY protocol header at the start of a connection (HAProxy's proxy-protocol.txt, v1 text and v2 binary)
/// straight from the received bytes: no allocation, every length bounded, and resumable, so the step can call it after
/// each read until it answers something other than <see cref="ProxyHeaderParseStatus.NeedMoreData"/>. It never looks
/// past the header's own length: what follows belongs to the next protocol (a TLS ClientHello, an HTTP request).
/// </summary>
internal static partial class ProxyHeaderParser
{
    /// <summary>The longest v1 line a receiver must accept, CRLF included (§2.1: "PROXY UNKNOWN" with two full IPv6
    /// addresses and ports); a line without CRLF within it is invalid.</summary>
    public const int MaxVersion1Length = 107;

    /// <summary>The fixed part of a v2 header: signature, version/command, family/transport, length.</summary>
    public const int Version2FixedLength = 16;

    /// <summary>
    /// The largest v2 address block plus TLVs accepted (the spec allows 65,535). A UNIX address block (216 bytes) with
    /// every TLV HAProxy sends — authority (SNI, up to 255), unique id (up to 128), SSL with version, cipher, signature
    /// and key algorithms and client CN, ALPN, netns, CRC32C — comes to ~850 bytes, and AWS, Azure and GCP add one
    /// small TLV each (an endpoint id, a link id). 1 KiB leaves headroom for all of that while keeping the whole header
    /// within the step's one 2 KiB pooled buffer; a longer header is refused before its bytes are awaited.
    /// </summary>
    public const int MaxVersion2PayloadLength = 1024;

    /// <summary>The longest header of either version this parser accepts.</summary>
    public const int MaxLength = Version2FixedLength + MaxVersion2PayloadLength;

    /// <summary>The bytes that identify a v1 header: "PROXY" and its one space (§2.1).</summary>
    internal static ReadOnlySpan<byte> Version1Signature => "PROXY "u8;

    /// <summary>The v2 signature (§2.2): CRLF CRLF NUL CR LF "QUIT" LF, chosen to be rejected by common protocols.</summary>
    internal static ReadOnlySpan<byte> Version2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>
    /// Whether the bytes open with a PROXY protocol signature, deciding as soon as they can: <see cref="ProxyHeaderParseStatus.Success"/>
    /// with the <paramref name="version"/> once a whole signature is there, <see cref="ProxyHeaderParseStatus.NotProxyHeader"/>
    /// as soon as they diverge from both (one byte, for a TLS record or most HTTP methods), else
    /// <see cref="ProxyHeaderParseStatus.NeedMoreData"/>.
    /// </summary>
    public static ProxyHeaderParseStatus Detect(in ReadOnlySequence<byte> buffer, out ProxyProtocolVersions version)
    {
        version = ProxyProtocolVersions.None;
        Span<byte> copy = stackalloc byte[12];
        int available = (int)Math.Min(buffer.Length, copy.Length);
        ReadOnlySpan<byte> start = buffer.FirstSpan.Length >= available ? buffer.FirstSpan[..available] : Copy(buffer, copy[..available]);
        if (start.IsEmpty)
        {
            return ProxyHeaderParseStatus.NeedMoreData;
        }

        if (Opens(start, Version1Signature, out bool v1Complete) && v1Complete)
        {
            version = ProxyProtocolVersions.V1;
            return ProxyHeaderParseStatus.Success;
        }

        if (Opens(start, Version2Signature, out bool v2Complete) && v2Complete)
        {
            version = ProxyProtocolVersions.V2;
            return ProxyHeaderParseStatus.Success;
        }

        // The two signatures differ in their first byte, so at most one of them can still be arriving.
        return Opens(start, Version1Signature, out _) || Opens(start, Version2Signature, out _)
            ? ProxyHeaderParseStatus.NeedMoreData
            : ProxyHeaderParseStatus.NotProxyHeader;
    }

    /// <summary>
    /// Parses a header of a version in <paramref name="accepted"/> from the start of <paramref name="buffer"/> (the
    /// connection's bytes so far). <paramref name="progress"/> starts as default and is passed back on every call for the
    /// same connection. On <see cref="ProxyHeaderParseStatus.Success"/>, <paramref name="header"/> says how long the
    /// header is and which client it names.
    /// </summary>
    public static ProxyHeaderParseStatus TryParse(in ReadOnlySequence<byte> buffer, ProxyProtocolVersions accepted, ref ProxyHeaderScanProgress progress,
        out ProxyHeader header)
    {
        header = default;
        ProxyHeaderParseStatus detected = Detect(buffer, out ProxyProtocolVersions version);
        if (detected != ProxyHeaderParseStatus.Success)
        {
            return detected;
        }

        if ((accepted & version) == 0)
        {
            return ProxyHeaderParseStatus.VersionNotAccepted;
        }

        return version == ProxyProtocolVersions.V1
            ? TryParseVersion1(buffer, ref progress, out header)
            : TryParseVersion2(buffer, out header);
    }

    /// <summary>True when <paramref name="start"/> is a prefix of <paramref name="signature"/> or begins with all of it.</summary>
    private static bool Opens(ReadOnlySpan<byte> start, ReadOnlySpan<byte> signature, out bool complete)
    {
        int length = Math.Min(start.Length, signature.Length);
        complete = length == signature.Length;
        return start[..length].SequenceEqual(signature[..length]);
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> buffer, Span<byte> destination)
    {
        buffer.Slice(0, destination.Length).CopyTo(destination);
        return destination;
    }
}
