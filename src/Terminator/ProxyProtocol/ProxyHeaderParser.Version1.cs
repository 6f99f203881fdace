using System.Buffers;
using System.Net.Sockets;

namespace Terminator.ProxyProtocol;

/// <summary>The v1 text header (proxy-protocol.txt §2.1).</summary>
internal static partial class ProxyHeaderParser
{
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    private const byte ByteSpace = (byte)' ';

    private static ReadOnlySpan<byte> Tcp4 => "TCP4"u8;
    private static ReadOnlySpan<byte> Tcp6 => "TCP6"u8;
    private static ReadOnlySpan<byte> Unknown => "UNKNOWN"u8;

    /// <summary>
    /// "The receiver must wait for the CRLF sequence before starting to decode the addresses": find the line feed within
    /// <see cref="MaxVersion1Length"/> bytes (searching only bytes not searched before), then parse the whole line.
    /// </summary>
    private static ProxyHeaderParseStatus TryParseVersion1(in ReadOnlySequence<byte> buffer, ref ProxyHeaderScanProgress progress, out ProxyHeader header)
    {
        header = default;
        int searchable = (int)Math.Min(buffer.Length, MaxVersion1Length);
        int from = Math.Min(progress.Scanned, searchable);
        int length = -1;
        if (buffer.FirstSpan.Length >= searchable)
        {
            // The step's reads land in one array: search the span itself.
            int found = buffer.FirstSpan[from..searchable].IndexOf(ByteLF);
            length = found < 0 ? -1 : from + found + 1;
        }
        else if (buffer.Slice(from, searchable - from).PositionOf(ByteLF) is { } lineFeed)
        {
            length = (int)buffer.Slice(0, lineFeed).Length + 1;
        }

        if (length < 0)
        {
            if (searchable == MaxVersion1Length)
            {
                return ProxyHeaderParseStatus.TooLong;
            }

            progress = new ProxyHeaderScanProgress(searchable);
            return ProxyHeaderParseStatus.NeedMoreData;
        }

        Span<byte> copy = stackalloc byte[MaxVersion1Length];
        ReadOnlySpan<byte> line = buffer.FirstSpan.Length >= length ? buffer.FirstSpan[..length] : Copy(buffer, copy[..length]);
        return ParseLine(line, out header);
    }

    /// <summary>
    /// "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP sport SP dport CRLF, every separator exactly one space; or
    /// "PROXY" SP "UNKNOWN" followed by anything up to the CRLF, which the receiver must ignore.
    /// </summary>
    private static ProxyHeaderParseStatus ParseLine(ReadOnlySpan<byte> line, out ProxyHeader header)
    {
        header = default;
        // "The receiver must not tolerate a single CR or LF character to end the line."
        if (line.Length < Version1Signature.Length + 2 || line[^2] != ByteCR)
        {
            return ProxyHeaderParseStatus.Malformed;
        }

        ReadOnlySpan<byte> rest = line[Version1Signature.Length..^2];
        ReadOnlySpan<byte> protocol = NextField(ref rest);
        if (protocol.SequenceEqual(Unknown))
        {
            header = new ProxyHeader(ProxyProtocolVersions.V1, line.Length, AddressFamily.Unspecified, false, 0, 0, 0, 0);
            return ProxyHeaderParseStatus.Success;
        }

        AddressFamily family;
        if (protocol.SequenceEqual(Tcp4))
        {
            family = AddressFamily.InterNetwork;
        }
        else if (protocol.SequenceEqual(Tcp6))
        {
            family = AddressFamily.InterNetworkV6;
        }
        else
        {
            return protocol.IsEmpty ? ProxyHeaderParseStatus.Malformed : ProxyHeaderParseStatus.InvalidFamily;
        }

        ReadOnlySpan<byte> sourceText = NextField(ref rest);
        ReadOnlySpan<byte> destinationText = NextField(ref rest);
        ReadOnlySpan<byte> sourcePortText = NextField(ref rest);
        ReadOnlySpan<byte> destinationPortText = rest;
        if (sourceText.IsEmpty || destinationText.IsEmpty || sourcePortText.IsEmpty || destinationPortText.IsEmpty
            || destinationPortText.Contains(ByteSpace))
        {
            // A missing field, a doubled space, or something after the destination port.
            return ProxyHeaderParseStatus.Malformed;
        }

        UInt128 source, destination;
        bool addressesValid = family == AddressFamily.InterNetwork
            ? IPAddressText.TryParseIPv4(sourceText, out source) & IPAddressText.TryParseIPv4(destinationText, out destination)
            : IPAddressText.TryParseIPv6(sourceText, out source) & IPAddressText.TryParseIPv6(destinationText, out destination);
        if (!addressesValid)
        {
            return ProxyHeaderParseStatus.InvalidAddress;
        }

        if (!TryParsePort(sourcePortText, out ushort sourcePort) || !TryParsePort(destinationPortText, out ushort destinationPort))
        {
            return ProxyHeaderParseStatus.InvalidPort;
        }

        header = new ProxyHeader(ProxyProtocolVersions.V1, line.Length, family, false, source, destination, sourcePort, destinationPort);
        return ProxyHeaderParseStatus.Success;
    }

    /// <summary>The text up to the next space (consumed with it), or all that is left when there is none.</summary>
    private static ReadOnlySpan<byte> NextField(ref ReadOnlySpan<byte> rest)
    {
        int space = rest.IndexOf(ByteSpace);
        if (space < 0)
        {
            ReadOnlySpan<byte> last = rest;
            rest = default;
            return last;
        }

        ReadOnlySpan<byte> field = rest[..space];
        rest = rest[(space + 1)..];
        return field;
    }

    /// <summary>Decimal 0..65535, no leading zeros ("to avoid any possible confusion with octal numbers").</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> text, out ushort port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        int value = 0;
        foreach (byte c in text)
        {
            if (!char.IsAsciiDigit((char)c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        if (value > ushort.MaxValue)
        {
            return false;
        }

        port = (ushort)value;
        return true;
    }
}
