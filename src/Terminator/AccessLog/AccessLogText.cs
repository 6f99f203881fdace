namespace Terminator.AccessLog;

/// <summary>
/// The variable-length parts of one request, as spans into the proxy's own buffers; <see cref="AccessLogQueue"/> copies
/// them (bounded) into its slab, so nothing here outlives the call.
/// </summary>
internal readonly ref struct AccessLogText
{
    /// <summary>The request line of a parsed request, from its parts.</summary>
    public AccessLogText(ReadOnlySpan<byte> clientAddress, ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, int versionMinor,
        ReadOnlySpan<byte> referer, ReadOnlySpan<byte> userAgent)
    {
        ClientAddress = clientAddress;
        Method = method;
        Target = target;
        VersionMinor = versionMinor;
        Referer = referer;
        UserAgent = userAgent;
    }

    /// <summary>A request that was not parsed: <paramref name="rawRequestLine"/> is its first line as received (may be empty).</summary>
    public AccessLogText(ReadOnlySpan<byte> clientAddress, ReadOnlySpan<byte> rawRequestLine)
    {
        ClientAddress = clientAddress;
        RawRequestLine = rawRequestLine;
        IsRaw = true;
    }

    /// <summary>The client's address, formatted (IPv4-mapped addresses as IPv4).</summary>
    public ReadOnlySpan<byte> ClientAddress { get; }

    public ReadOnlySpan<byte> Method { get; }

    /// <summary>The request-target as received.</summary>
    public ReadOnlySpan<byte> Target { get; }

    public int VersionMinor { get; }

    public ReadOnlySpan<byte> RawRequestLine { get; }

    /// <summary>True for a request that was rejected before it was parsed: <see cref="RawRequestLine"/> is used.</summary>
    public bool IsRaw { get; }

    /// <summary>Empty when the request had none.</summary>
    public ReadOnlySpan<byte> Referer { get; }

    /// <summary>Empty when the request had none.</summary>
    public ReadOnlySpan<byte> UserAgent { get; }
}
