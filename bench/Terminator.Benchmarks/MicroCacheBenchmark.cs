using System.Buffers;
using BenchmarkDotNet.Attributes;
using Terminator.Caching;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Http;

namespace Terminator.Benchmarks;

/// <summary>
/// A micro-cache hit as the proxy loop serves it, for the browser click of <see cref="HttpHeadBenchmark"/>: build the key
/// from the parsed head into a rented buffer, look it up among 10,000 stored tracking answers, and write head, Age and the
/// 43-byte GIF to the client's buffer. Must be 0 B: the point of the cache is that a scanner's repeat costs next to nothing.
/// </summary>
[MemoryDiagnoser]
public class MicroCacheBenchmark
{
    private const int StoredEntries = 10_000;

    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private TerminatorMetrics _metrics = null!;
    private MicroCache _cache = null!;
    private HttpRequestHead _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new TerminatorMetrics();
        _cache = new MicroCache(new CacheOptions { Ttl = TimeSpan.FromHours(1) }, _metrics);
        _request = new HttpRequestHead(HttpLimits.Default);
        Http1RequestParser.TryParse(new ReadOnlySequence<byte>(HttpHeadBenchmark.ClickRequest), _request, out _, out _);
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nCache-Control: no-cache\r\nContent-Length: 43\r\n"u8.ToArray();
        for (int i = 0; i < StoredEntries; i++)
        {
            byte[] key = i == 0 ? KeyOf(_request) : System.Text.Encoding.ASCII.GetBytes($"sGET t.example /q/{i}.gif Mozilla/5.0");
            _cache.Lookup(key, out _, out CacheFill? fill);
            long now = MicroCache.Now;
            _cache.Complete(fill!, new CachedResponse(fill!.Key, head, new byte[43], 200, now, now + 3_600_000));
        }
    }

    private static byte[] KeyOf(HttpRequestHead request)
    {
        byte[] key = new byte[CacheKey.GetLength(request)];
        CacheKey.Write(key, request, https: true);
        return key;
    }

    [Benchmark]
    public int Hit()
    {
        byte[] key = ArrayPool<byte>.Shared.Rent(CacheKey.GetLength(_request));
        CachedResponse? response;
        try
        {
            int length = CacheKey.Write(key, _request, https: true);
            _cache.Lookup(key.AsSpan(0, length), out response, out _);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(key);
        }

        _output.ResetWrittenCount();
        return CachedResponseWriter.Write(_output, response!, response!.AgeSeconds(MicroCache.Now), closeConnection: false, announceKeepAlive: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _request.Dispose();
        _metrics.Dispose();
    }
}
