using System.Buffers;
using Terminator.Http;

namespace Terminator.Proxy;

/// <summary>
/// Answers some requests at the edge, before anything goes upstream: ACME HTTP-01 challenges on port 80 (RFC 8555
/// §8.3), which the CA fetches from this node for a domain whose tracking server knows nothing of ACME. Checked for
/// every bodiless request, so a miss must be cheap and allocation-free.
/// </summary>
internal interface IEdgeResponder
{
    /// <summary>
    /// Writes a whole response for <paramref name="request"/> to <paramref name="output"/> (with <c>Connection:
    /// close</c> when <paramref name="closeConnection"/>, and <paramref name="extraFields"/>, complete field lines the
    /// connection's response policy adds, such as Strict-Transport-Security on TLS) and returns true, or writes nothing
    /// and returns false to let the request go upstream as usual.
    /// </summary>
    bool TryWriteResponse(HttpRequestHead request, IBufferWriter<byte> output, bool closeConnection, ReadOnlySpan<byte> extraFields);
}
