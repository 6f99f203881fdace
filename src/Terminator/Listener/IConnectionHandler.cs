using System.Net.Sockets;

namespace Terminator.Listener;

/// <summary>Runs one accepted connection to its end. Owns the socket: it must close it.</summary>
internal interface IConnectionHandler
{
    Task HandleAsync(Socket socket);
}
