namespace Terminator.Tls;

/// <summary>How many <see cref="SslContextPin"/>s hold their SSL_CTX now, and how many ended on their own (the server
/// refused the hello fragment, so nothing was held). One per certificate cache; both stay 0 with
/// <c>TERMINATOR_SSL_CTX_PIN=off</c>.</summary>
internal sealed class SslContextPinCounters
{
    private long _held;
    private long _failed;

    public long Held => Volatile.Read(ref _held);

    public long Failed => Volatile.Read(ref _failed);

    internal void PinHeld() => Interlocked.Increment(ref _held);

    internal void PinEnded(bool wasHeld, bool released)
    {
        if (wasHeld)
        {
            Interlocked.Decrement(ref _held);
        }

        if (!released)
        {
            Interlocked.Increment(ref _failed);
        }
    }
}
