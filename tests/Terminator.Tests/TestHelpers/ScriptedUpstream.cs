using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A loopback upstream whose every connection runs a test-supplied script (connection index from 0), for the edge cases
/// <see cref="RecordingUpstream"/> cannot play: answering the first request then dying on the second, resetting mid-body,
/// sending 1xx heads, or streaming megabytes at a client that never reads.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Func<UpstreamScriptConnection, Task> _script;
    private readonly Task _acceptLoop;
    private int _connectionCount;

    public ScriptedUpstream(Func<UpstreamScriptConnection, Task> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Request heads received, in order, over all connections.</summary>
    public ConcurrentQueue<string> Heads { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            // As a tracking server does (nginx's tcp_nodelay): a script's head and body written apart must not wait for
            // Nagle behind the delayed ACK of the first, 40 ms per response (300 requests of AccessLogWriterTests took 13 s).
            socket.NoDelay = true;
            int index = Interlocked.Increment(ref _connectionCount) - 1;
            _sockets.Add(socket);
            _connections.Add(RunAsync(new UpstreamScriptConnection(socket, index, Heads, _stop.Token)));
        }
    }

    private async Task RunAsync(UpstreamScriptConnection connection)
    {
        using (connection.Socket)
        {
            try
            {
                await _script(connection);
            }
            catch (Exception)
            {
                // Resets and shutdown: the test asserts on what the terminator did, not on the script.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        await _acceptLoop;
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}

/// <summary>One upstream connection as a script sees it.</summary>
public sealed class UpstreamScriptConnection(Socket socket, int index, ConcurrentQueue<string> heads, CancellationToken stopping)
{
    private readonly List<byte> _buffer = [];
    private readonly byte[] _chunk = new byte[16 * 1024];

    public Socket Socket { get; } = socket;
    public int Index { get; } = index;
    public CancellationToken Stopping { get; } = stopping;

    /// <summary>Reads one request head plus its Content-Length body; null when the terminator closed first.</summary>
    public async Task<string?> ReadRequestAsync()
    {
        int end;
        while ((end = HeadEnd()) < 0)
        {
            if (!await ReceiveAsync())
            {
                return null;
            }
        }

        string head = Encoding.ASCII.GetString(_buffer.GetRange(0, end).ToArray());
        _buffer.RemoveRange(0, end);
        heads.Enqueue(head);
        int length = ContentLength(head);
        while (_buffer.Count < length)
        {
            if (!await ReceiveAsync())
            {
                return null;
            }
        }

        _buffer.RemoveRange(0, length);
        return head;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await Socket.SendAsync(bytes, SocketFlags.None, Stopping);

    /// <summary>Closes with RST (SO_LINGER 0), the way a crashed or overloaded upstream drops a connection.</summary>
    public void Reset()
    {
        Socket.LingerState = new LingerOption(true, 0);
        Socket.Close();
    }

    /// <summary>Waits until the terminator closes this connection (EOF or reset) or the upstream stops.</summary>
    public async Task WaitForCloseAsync()
    {
        while (await ReceiveAsync())
        {
        }
    }

    private async Task<bool> ReceiveAsync()
    {
        int n;
        try
        {
            n = await Socket.ReceiveAsync(_chunk, SocketFlags.None, Stopping);
        }
        catch (SocketException)
        {
            return false;
        }

        _buffer.AddRange(_chunk.AsSpan(0, n).ToArray());
        return n > 0;
    }

    private int HeadEnd()
    {
        for (int i = 0; i + 3 < _buffer.Count; i++)
        {
            if (_buffer[i] == '\r' && _buffer[i + 1] == '\n' && _buffer[i + 2] == '\r' && _buffer[i + 3] == '\n')
            {
                return i + 4;
            }
        }

        return -1;
    }

    private static int ContentLength(string head)
    {
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
