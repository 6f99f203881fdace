using System.Collections.Concurrent;

namespace Terminator.Acme;

/// <summary>
/// Anti-replay nonces (RFC 8555 §6.5) collected from every response's Replay-Nonce header, so a request rarely needs
/// its own newNonce round trip. Each nonce is used at most once. Newest first: CAs expire nonces, so a fresh one is
/// likelier to be accepted. Bounded, since a long-lived client sees far more nonces than it spends.
/// </summary>
internal sealed class AcmeNoncePool
{
    private const int Capacity = 16;
    private readonly ConcurrentStack<string> _nonces = new();

    /// <summary>Keeps <paramref name="nonce"/> for a later request (dropped when the pool is full).</summary>
    public void Add(string? nonce)
    {
        // RFC 8555 §6.5.1: the value is base64url; anything else would only earn a badNonce.
        if (string.IsNullOrEmpty(nonce) || _nonces.Count >= Capacity)
        {
            return;
        }

        _nonces.Push(nonce);
    }

    /// <summary>Takes a nonce, or returns false when the pool is empty (then HEAD newNonce, §7.2).</summary>
    public bool TryTake(out string nonce) => _nonces.TryPop(out nonce!);

    public int Count => _nonces.Count;
}
