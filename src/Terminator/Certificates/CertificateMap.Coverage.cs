namespace Terminator.Certificates;

internal sealed partial class CertificateMap
{
    /// <summary>
    /// True when <paramref name="hostName"/> (ASCII; case and one trailing dot tolerated, as in
    /// <see cref="TryGet(ReadOnlySpan{byte}, bool, out CertificateEntry)"/>) has a certificate valid now, of either key
    /// family, under its exact name or the single-label wildcard. Unlike a handshake's lookup it never settles for an
    /// expired certificate and logs nothing: it answers whether an https:// URL for the name would work (the port-80
    /// redirect). <paramref name="known"/> tells whether the name has any certificate at all, valid or not (a handshake
    /// then never falls back to the default certificate). Allocates nothing.
    /// </summary>
    public bool HasValidCertificate(ReadOnlySpan<byte> hostName, out bool known)
    {
        known = false;
        if (hostName.Length is 0 or > MaxHostNameLength)
        {
            return false;
        }

        Span<char> name = stackalloc char[MaxHostNameLength];
        for (int i = 0; i < hostName.Length; i++)
        {
            byte b = hostName[i];
            if (b >= 0x80 || b == (byte)'*')
            {
                return false; // SNI-style A-labels only; a literal '*' is not a host
            }

            name[i] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
        }

        name = name[..hostName.Length];
        if (name[^1] == '.')
        {
            name = name[..^1];
        }

        long now = _time.GetUtcNow().UtcTicks;
        if (HasValidCandidate(name, now, ref known))
        {
            return true;
        }

        int firstDot = name.IndexOf('.');
        if (firstDot <= 0 || firstDot == name.Length - 1)
        {
            return false;
        }

        // "a.example.com" → "*.example.com" in place, as the handshake lookup does.
        name[firstDot - 1] = '*';
        return HasValidCandidate(name[(firstDot - 1)..], now, ref known);
    }

    private bool HasValidCandidate(ReadOnlySpan<char> name, long now, ref bool known)
    {
        if (name.IsEmpty || !_lookup.TryGetValue(name, out CertificateChoice choice))
        {
            return false;
        }

        known = true;
        // A client that accepts ECDSA takes either family, so "usable" here means "some valid certificate".
        choice.Select(clientAcceptsEcdsa: true, now, out bool usable);
        return usable;
    }
}
