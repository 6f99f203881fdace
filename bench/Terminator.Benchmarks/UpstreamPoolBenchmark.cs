using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Terminator.Upstream;

namespace Terminator.Benchmarks;

/// <summary>Rent + return of an idle keep-alive connection (the per-request pool cost), against a loopback listener.</summary>
[MemoryDiagnoser]
public class UpstreamPoolBenchmark
{
    private TcpListener _listener = null!;
    private UpstreamPool _pool = null!;
    private readonly List<Socket> _accepted = [];

    [GlobalSetup]
    public void Setup()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        int port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _pool = new UpstreamPool(new UpstreamPoolOptions { Host = "127.0.0.1", Port = port });
        Task<Socket> accept = _listener.AcceptSocketAsync();
        UpstreamConnection connection = _pool.RentAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _accepted.Add(accept.GetAwaiter().GetResult());
        _pool.Return(connection);
    }

    [Benchmark]
    public async ValueTask<int> RentReturn()
    {
        UpstreamConnection connection = await _pool.RentAsync(CancellationToken.None);
        int count = connection.RequestCount;
        _pool.Return(connection);
        return count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (Socket socket in _accepted) socket.Dispose();
        _listener.Stop();
    }
}
