namespace Terminator.Listener;

/// <summary>
/// One step of a connection's pipeline (Kestrel's connection middleware): it sees the connection's current transport
/// and features, may replace them (TLS swaps the socket stream for the decrypted one, PROXY protocol the client
/// address), and passes the connection to the step after it, which it knows only as a delegate: by awaiting it, or by
/// handing the connection on (<see cref="ConnectionContext.HandOff"/>, which the listener runs once this step returns, so
/// no frame of this step's lives on). The last step owns the application protocol. Completes when the connection is done
/// with, or handed on; a step never throws for network or peer failures.
/// </summary>
internal delegate Task ConnectionDelegate(ConnectionContext connection);
