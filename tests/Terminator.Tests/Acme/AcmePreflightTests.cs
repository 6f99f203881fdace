using System.Net;
using System.Net.Sockets;
using Terminator.Acme;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>The preflight against a real server on loopback, with name resolution substituted.</summary>
[Collection(EndToEndTests.Name)]
public sealed class AcmePreflightTests(CertificateAuthorityFixture ca)
{
    private static Func<string, CancellationToken, Task<IPAddress[]>> ResolvesTo(params IPAddress[] addresses) =>
        (_, _) => Task.FromResult(addresses);

    [Fact]
    public async Task NameReachesThisService_Passes_AndTheProbeIsGoneAfterwards()
    {
        var table = new AcmeChallengeTable();
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, challenges: table);
        using var preflight = new AcmePreflight(table, ResolvesTo(IPAddress.Loopback), terminator.Http.Port);

        string? problem = await preflight.CheckAsync("click.newcustomer.test", CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal(0, table.Http01Count);
        Assert.Empty(upstream.Requests); // answered at the edge
    }

    [Fact]
    public async Task NameReachesAnotherServer_WaitingForDnsWithTheAddress()
    {
        var table = new AcmeChallengeTable();
        await using var elsewhere = new RecordingUpstream(); // someone else's web server: answers 200 "ok" to everything
        using var preflight = new AcmePreflight(table, ResolvesTo(IPAddress.Loopback), elsewhere.EndPoint.Port);

        string? problem = await preflight.CheckAsync("click.newcustomer.test", CancellationToken.None);

        Assert.Equal("waiting for DNS: click.newcustomer.test resolves to 127.0.0.1, not to this service (the probe got HTTP 200)", problem);
    }

    [Fact]
    public async Task NameDoesNotResolve_Or_NothingListens_SaysSo()
    {
        var table = new AcmeChallengeTable();
        using var noName = new AcmePreflight(table, (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)));
        using var closedPort = new AcmePreflight(table, ResolvesTo(IPAddress.Loopback), port: ClosedPort());

        string? unresolved = await noName.CheckAsync("nowhere.test", CancellationToken.None);
        string? refused = await closedPort.CheckAsync("closed.test", CancellationToken.None);

        Assert.StartsWith("waiting for DNS: nowhere.test does not resolve", unresolved, StringComparison.Ordinal);
        Assert.StartsWith("waiting for DNS: closed.test resolves to 127.0.0.1, which does not answer on port", refused, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port; // bound, never listening, closed on dispose
    }
}
