using System.Net;
using System.Net.Sockets;
using System.Text;
using Terminator.LoadTest.Client;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios.Abuse;

/// <summary>
/// One bad client per iteration, the kinds in turn. Its "error" is the outcome (what the server did about it: "garbage
/// hello: closed by server", "slowloris: still open after 6s"), counted like errors so the report lists them; the
/// scenario carries no thresholds, the normal traffic beside it does. On a loopback target each bad client connects
/// from its own 127.0.0.x so it does not eat the normal traffic's per-IP connection allowance (real abuse comes from
/// other addresses too).
/// </summary>
internal sealed class AbusiveClient(TargetInfo target)
{
    /// <summary>A bad client gives up after this long: past the terminator's default 10 s handshake and header
    /// timeouts, so a slowloris or a truncated hello shows whether the server cut it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(12);

    private static readonly AbuseKind[] s_kinds = Enum.GetValues<AbuseKind>();

    public async ValueTask<IterationResult> RunAsync(ScenarioContext context)
    {
        AbuseKind kind = s_kinds[context.Copy % s_kinds.Length];
        IPAddress? source = target.CanSpreadSources ? new IPAddress([127, 0, 0, (byte)(10 + context.Copy % 200)]) : null;
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(context.Stopping);
        patience.CancelAfter(Patience);
        string outcome;
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            outcome = kind switch
            {
                AbuseKind.GarbageClientHello => await RawAsync(source, GarbageHello(), patience.Token).ConfigureAwait(false),
                AbuseKind.TruncatedClientHello => await RawAsync(source, TruncatedHello(), patience.Token).ConfigureAwait(false),
                AbuseKind.PlainHttpOnTlsPort => await RawAsync(source, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), patience.Token).ConfigureAwait(false),
                AbuseKind.UnknownSni => await UnknownSniAsync(source, patience.Token).ConfigureAwait(false),
                _ => await AfterHandshakeAsync(kind, source, patience.Token).ConfigureAwait(false),
            };
        }
        catch (OperationCanceledException) when (!context.Stopping.IsCancellationRequested)
        {
            outcome = $"still open after {Patience.TotalSeconds:0}s (client gave up)";
        }
        catch (Exception ex) when (!context.Stopping.IsCancellationRequested && started.Elapsed > TimeSpan.FromSeconds(1))
        {
            // Cut by the server after a while: say after how long (10 s = the terminator's timeouts at work).
            outcome = $"{ErrorKinds.Classify(ex, "abuse")} after {Math.Round(started.Elapsed.TotalSeconds):0}s";
        }
        catch (Exception ex) when (!context.Stopping.IsCancellationRequested)
        {
            outcome = ErrorKinds.Classify(ex, "abuse");
        }

        return IterationResult.Fail($"{Label(kind)}: {outcome}", requests: 0);
    }

    private static string Label(AbuseKind kind) => kind switch
    {
        AbuseKind.Slowloris => "slowloris",
        AbuseKind.GarbageClientHello => "garbage ClientHello",
        AbuseKind.TruncatedClientHello => "truncated ClientHello",
        AbuseKind.UnknownSni => "unknown SNI",
        AbuseKind.MalformedHttp => "malformed HTTP",
        AbuseKind.StopsReading => "stops reading",
        _ => "plain HTTP on TLS port",
    };

    /// <summary>Sends <paramref name="bytes"/> on a bare TCP connection and waits for the server to answer or close.</summary>
    private async Task<string> RawAsync(IPAddress? source, byte[] bytes, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using Socket socket = await TlsConnection.ConnectSocketAsync(target.EndPoint, source, cancellationToken).ConfigureAwait(false);
        await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[512];
        int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        // 0x15: a TLS alert record (RFC 8446 §5.1 ContentType alert = 21).
        return read == 0 ? $"closed by server{After(started)}" : buffer[0] == 0x15 ? "TLS alert" : buffer[0] == (byte)'H' ? "HTTP answer" : "answered";
    }

    private async Task<string> UnknownSniAsync(IPAddress? source, CancellationToken cancellationToken)
    {
        var phase = new PhaseTracker();
        string name = $"nobody{Random.Shared.Next(1_000_000)}.invalid";
        await using TlsConnection connection = await TlsConnection.OpenAsync(target.EndPoint, name, target.Tls, allowResume: false, source, phase, cancellationToken).ConfigureAwait(false);
        return "handshake completed (default certificate served)";
    }

    private async Task<string> AfterHandshakeAsync(AbuseKind kind, IPAddress? source, CancellationToken cancellationToken)
    {
        string name = target.Names.Pick();
        await using TlsConnection connection = await TlsConnection.OpenAsync(target.EndPoint, name, target.Tls, allowResume: false, source, new PhaseTracker(), cancellationToken).ConfigureAwait(false);
        Stream tls = connection.Stream;
        switch (kind)
        {
            case AbuseKind.Slowloris:
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /q/slow HTTP/1.1\r\nHost: {name}\r\n"), cancellationToken).ConfigureAwait(false);
                for (int i = 0; ; i++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    await tls.WriteAsync(Encoding.ASCII.GetBytes($"X-Drip-{i}: 1\r\n"), cancellationToken).ConfigureAwait(false);
                }

            case AbuseKind.MalformedHttp:
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /f/x HTTP/1.1\r\nHost: {name}\r\nthis line has no colon\r\n\r\n"), cancellationToken).ConfigureAwait(false);
                HttpResponse response = await HttpExchange.ReadResponseAsync(tls, cancellationToken).ConfigureAwait(false);
                return response.Status == 0 ? "closed by server" : HttpStatusKinds.Of(response.Status);
            default:   // StopsReading
                byte[] request = Encoding.ASCII.GetBytes($"GET /q/never-read HTTP/1.1\r\nHost: {name}\r\n\r\n");
                int sent = 0;
                for (; sent < 2000; sent++)
                {
                    await tls.WriteAsync(request, cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(Patience, cancellationToken).ConfigureAwait(false);
                return "held";
        }
    }

    /// <summary>" after 10s" for a close that took a timeout's while; nothing for an immediate one.</summary>
    private static string After(System.Diagnostics.Stopwatch started) =>
        started.Elapsed > TimeSpan.FromSeconds(1) ? $" after {Math.Round(started.Elapsed.TotalSeconds):0}s" : "";

    private static byte[] GarbageHello()
    {
        var bytes = new byte[300];
        Random.Shared.NextBytes(bytes);
        // A handshake record header (RFC 8446 §5.1: type 22, legacy version 3.1, length) in front of noise.
        bytes[0] = 0x16;
        bytes[1] = 0x03;
        bytes[2] = 0x01;
        bytes[3] = 0x01;
        bytes[4] = 0x27;   // 295 bytes follow
        return bytes;
    }

    private static byte[] TruncatedHello()
    {
        var bytes = new byte[105];
        bytes[0] = 0x16;
        bytes[1] = 0x03;
        bytes[2] = 0x01;
        bytes[3] = 0x02;
        bytes[4] = 0x00;   // announces 512 bytes, 100 follow
        bytes[5] = 0x01;   // ClientHello
        bytes[6] = 0x00;
        bytes[7] = 0x01;
        bytes[8] = 0xFC;   // handshake length 508
        bytes[9] = 0x03;
        bytes[10] = 0x03;  // client_version TLS 1.2
        Random.Shared.NextBytes(bytes.AsSpan(11));
        return bytes;
    }
}
