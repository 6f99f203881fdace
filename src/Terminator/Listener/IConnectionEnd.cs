namespace Terminator.Listener;

/// <summary>
/// What a step that handed its connection on (<see cref="ConnectionContext.HandOff"/>) still has to do when the
/// connection is over: the TLS step's close_notify and the disposal of its stream, for instance. The listener runs the
/// ends, latest first, before it closes the socket.
/// </summary>
internal interface IConnectionEnd
{
    /// <param name="connection">The connection that is over.</param>
    /// <param name="completed">True when every step returned; false when one threw (a bug: nothing more is written).</param>
    ValueTask EndAsync(ConnectionContext connection, bool completed);
}
