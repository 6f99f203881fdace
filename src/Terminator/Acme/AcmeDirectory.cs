using Terminator.Acme.Wire;

namespace Terminator.Acme;

/// <summary>What the CA's directory (RFC 8555 §7.1.1) says: its resource URLs and its <c>meta</c>.</summary>
internal sealed record AcmeDirectory
{
    public required Uri NewNonce { get; init; }

    public required Uri NewAccount { get; init; }

    public required Uri NewOrder { get; init; }

    public Uri? RevokeCert { get; init; }

    public Uri? KeyChange { get; init; }

    /// <summary>The ACME Renewal Information base URL (RFC 9773 §4), or null when the CA offers none.</summary>
    public Uri? RenewalInfo { get; init; }

    /// <summary><c>meta.termsOfService</c>: what <see cref="AcmeClientOptions.TermsOfServiceAgreed"/> agrees to.</summary>
    public Uri? TermsOfService { get; init; }

    /// <summary><c>meta.caaIdentities</c>: the names a CAA record must list for this CA (RFC 8659), empty when unsaid.</summary>
    public IReadOnlyList<string> CaaIdentities { get; init; } = [];

    /// <summary><c>meta.externalAccountRequired</c>: newAccount needs External Account Binding (RFC 8555 §7.3.4).</summary>
    public bool ExternalAccountRequired { get; init; }

    internal static AcmeDirectory From(AcmeDirectoryDocument document, Uri directoryUri)
    {
        Uri Required(string? value, string name) =>
            AbsoluteOrNull(value, directoryUri) ?? throw new AcmeProtocolException($"the directory at {directoryUri} has no valid '{name}' URL");

        return new AcmeDirectory
        {
            NewNonce = Required(document.NewNonce, "newNonce"),
            NewAccount = Required(document.NewAccount, "newAccount"),
            NewOrder = Required(document.NewOrder, "newOrder"),
            RevokeCert = AbsoluteOrNull(document.RevokeCert, directoryUri),
            KeyChange = AbsoluteOrNull(document.KeyChange, directoryUri),
            RenewalInfo = AbsoluteOrNull(document.RenewalInfo, directoryUri),
            // A terms URL may be a data: URL (Pebble's is); Uri parses those too.
            TermsOfService = document.Meta?.TermsOfService is { } terms && Uri.TryCreate(terms, UriKind.Absolute, out Uri? termsUri) ? termsUri : null,
            CaaIdentities = document.Meta?.CaaIdentities ?? [],
            ExternalAccountRequired = document.Meta?.ExternalAccountRequired ?? false,
        };
    }

    /// <summary>A URL from the CA, absolute (resolved against <paramref name="baseUri"/> if relative), http(s) only.</summary>
    internal static Uri? AbsoluteOrNull(string? value, Uri baseUri) =>
        value is not null && Uri.TryCreate(baseUri, value, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;
}
