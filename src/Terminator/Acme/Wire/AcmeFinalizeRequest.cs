namespace Terminator.Acme.Wire;

/// <summary>The finalize payload (RFC 8555 §7.4): the CSR's DER, base64url.</summary>
internal sealed class AcmeFinalizeRequest
{
    public required string Csr { get; init; }
}
