using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Terminator.Tests.Upstream;

/// <summary>
/// A tiny raw-TCP HTTP/1.1 server for pool tests: answers every request head with a fixed response, counts accepted connections
/// per local address, and can close or poke its connections on purpose. Several addresses share one port (like DNS records).
/// </summary>
internal sealed class HttpTestResponder : IAsyncDisposable
{
    public static readonly byte[] Response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();

    private readonly List<Socket> _listeners = [];
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private readonly ConcurrentDictionary<IPAddress, int> _acceptedBy = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _loops = [];
    private int _accepted;
    private int _closedByClient;

    public HttpTestResponder(params IPAddress[] addresses)
    {
        if (addresses.Length == 0)
        {
            addresses = [IPAddress.Loopback];
        }

        foreach (IPAddress address in addresses)
        {
            var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(address, Port));
            listener.Listen(64);
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            _listeners.Add(listener);
            _loops.Add(AcceptLoopAsync(listener));
        }
    }

    public int Port { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    public int ClosedByClient => Volatile.Read(ref _closedByClient);

    public int OpenConnections => _connections.Count;

    public int AcceptedBy(IPAddress address) => _acceptedBy.TryGetValue(address, out int n) ? n : 0;

    /// <summary>Closes every server-side connection (FIN), like an upstream whose keep-alive timer fired.</summary>
    public void CloseAllConnections()
    {
        foreach (Socket socket in _connections.Keys)
        {
            socket.Shutdown(SocketShutdown.Both);
            socket.Dispose();
        }
    }

    /// <summary>Writes unsolicited bytes on every connection (a desynchronized upstream).</summary>
    public void SendToAll(byte[] junk)
    {
        foreach (Socket socket in _connections.Keys)
        {
            socket.Send(junk);
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        try
        {
            while (true)
            {
                Socket socket = await listener.AcceptAsync(_stop.Token);
                _connections[socket] = 0;
                Interlocked.Increment(ref _accepted);
                _acceptedBy.AddOrUpdate(((IPEndPoint)socket.LocalEndPoint!).Address, 1, (_, n) => n + 1);
                _loops.Add(ServeAsync(socket));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        byte[] buffer = new byte[4096];
        var pending = new StringBuilder();
        try
        {
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    Interlocked.Increment(ref _closedByClient);
                    break;
                }

                pending.Append(Encoding.Latin1.GetString(buffer, 0, read));
                string text = pending.ToString();
                int end;
                while ((end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    text = text[(end + 4)..];
                    await socket.SendAsync(Response, SocketFlags.None, _stop.Token);
                }

                pending.Clear().Append(text);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A client closing with unread bytes in its receive buffer sends RST instead of FIN (RFC 2525 §2.17).
            Interlocked.Increment(ref _closedByClient);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _connections.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (Socket listener in _listeners)
        {
            listener.Dispose();
        }

        foreach (Socket socket in _connections.Keys)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_loops.ToArray()).WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
