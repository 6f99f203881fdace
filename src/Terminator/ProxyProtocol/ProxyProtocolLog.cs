using System.Net;
using Microsoft.Extensions.Logging;

namespace Terminator.ProxyProtocol;

/// <summary>The PROXY protocol step's log lines (event ids 1200-1299). Both are debug: a refused connection is counted in
/// the metrics, and a line per connection at info would let anyone who can connect write to the journal.</summary>
internal static partial class ProxyProtocolLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "closed connection from {peer}: {reason}")]
    public static partial void Refused(ILogger logger, IPEndPoint peer, string reason);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "closed connection from {peer} for client {client}: the client is at its connection limit")]
    public static partial void ClientOverLimit(ILogger logger, IPEndPoint peer, IPEndPoint client);
}
