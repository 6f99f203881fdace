using System.Net;
using System.Net.Sockets;

namespace Terminator.Upstream;

// Address resolution: lazily on first rent, then in the background once DnsTtl has passed, never more than one lookup in flight.
internal sealed partial class UpstreamPool
{
    private static readonly Func<string, CancellationToken, ValueTask<IPAddress[]>> DefaultResolver =
        static (host, ct) => new ValueTask<IPAddress[]>(Dns.GetHostAddressesAsync(host, ct));

    private readonly Func<string, CancellationToken, ValueTask<IPAddress[]>> _resolver;
    private UpstreamAddress[]? _addresses; // replaced wholesale (under the lock) on re-resolution; null until the first lookup succeeded
    private bool _isLiteral;
    private long _resolvedAtTimestamp;
    private Task? _resolveTask;
    private Exception? _lastResolveError;

    /// <summary>The addresses new connections currently go to (a snapshot, for diagnostics and tests).</summary>
    internal IReadOnlyList<IPEndPoint> CurrentEndPoints
    {
        get
        {
            UpstreamAddress[]? addresses = Volatile.Read(ref _addresses);
            return addresses is null ? [] : Array.ConvertAll(addresses, a => a.EndPoint);
        }
    }

    /// <summary>The lookup in flight, if any (tests await it after advancing time past the TTL).</summary>
    internal Task PendingResolution => Volatile.Read(ref _resolveTask) ?? Task.CompletedTask;

    private void InitializeAddresses()
    {
        string host = _options.Host;
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1]; // RFC 3986 §3.2.2 IP-literal
        }

        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            _isLiteral = true;
            _addresses = [new UpstreamAddress(new IPEndPoint(literal, _options.Port))];
        }
    }

    /// <summary>Hot-path check: addresses are known. Kicks off a background refresh when the TTL has passed.</summary>
    private bool AddressesReady()
    {
        if (Volatile.Read(ref _addresses) is null)
        {
            return false;
        }

        if (!_isLiteral && _timeProvider.GetElapsedTime(Volatile.Read(ref _resolvedAtTimestamp)) >= _options.DnsTtl)
        {
            StartResolution();
        }

        return true;
    }

    private async ValueTask EnsureAddressesAsync(CancellationToken cancellationToken)
    {
        if (AddressesReady())
        {
            return;
        }

        await StartResolution().WaitAsync(cancellationToken);
        if (Volatile.Read(ref _addresses) is null)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Exception? error = _lastResolveError;
            throw new UpstreamConnectException(
                $"Upstream host '{_options.Host}' has no usable addresses: {error?.Message ?? "DNS returned none"}", null, SocketError.HostNotFound, timedOut: false, error);
        }
    }

    private Task StartResolution()
    {
        Task? running = Volatile.Read(ref _resolveTask);
        if (running is { IsCompleted: false })
        {
            return running;
        }

        lock (_lock)
        {
            if (_resolveTask is { IsCompleted: false })
            {
                return _resolveTask;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            // Task.Run: the resolver's synchronous part must not run under the lock or on the renter's stack.
            Task task = Task.Run(ResolveAsync);
            Volatile.Write(ref _resolveTask, task);
            return task;
        }
    }

    private async Task ResolveAsync()
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposeCts.Token);
            timeout.CancelAfter(_options.ConnectTimeout);
            IPAddress[] resolved = await _resolver(_options.Host, timeout.Token);
            if (!ApplyAddresses(resolved))
            {
                _lastResolveError = new UpstreamConnectException($"DNS returned no usable addresses for '{_options.Host}'.");
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or UpstreamConnectException or ArgumentException or IOException)
        {
            _lastResolveError = e; // keep the last good addresses; the next attempt is one TTL away
        }
        finally
        {
            Volatile.Write(ref _resolvedAtTimestamp, _timeProvider.GetTimestamp());
        }
    }

    /// <summary>Swaps in a new address set: surviving addresses keep their accounting, vanished ones become defunct and their idle connections are drained.</summary>
    private bool ApplyAddresses(IPAddress[] resolved)
    {
        var fresh = new List<UpstreamAddress>(resolved.Length);
        lock (_lock)
        {
            if (_disposed)
            {
                return true;
            }

            UpstreamAddress[] old = _addresses ?? [];
            foreach (IPAddress ip in resolved)
            {
                if ((ip.AddressFamily == AddressFamily.InterNetworkV6 && !Socket.OSSupportsIPv6) || fresh.Exists(a => a.EndPoint.Address.Equals(ip)))
                {
                    continue;
                }

                UpstreamAddress? kept = Array.Find(old, a => a.EndPoint.Address.Equals(ip));
                fresh.Add(kept ?? new UpstreamAddress(new IPEndPoint(ip, _options.Port)));
            }

            if (fresh.Count == 0)
            {
                return false;
            }

            foreach (UpstreamAddress address in old)
            {
                address.Defunct = !fresh.Contains(address);
            }

            Volatile.Write(ref _addresses, [.. fresh]);
            _roundRobin = 0;
        }

        ScavengeIdle(); // drains idle connections of defunct addresses and wakes waiters to use the new addresses
        WakeAllWaiters();
        return true;
    }
}
