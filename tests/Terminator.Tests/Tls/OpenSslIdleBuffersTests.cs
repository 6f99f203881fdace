using System.Net.Security;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// The release of SslStream's memory-BIO buffers reaches its private SSL handle and relies on the runtime's BIOs being
/// OpenSSL memory BIOs: these fail when a runtime change moves either, so the workaround is re-checked instead of
/// silently doing nothing.
/// </summary>
public sealed class OpenSslIdleBuffersTests
{
    [Fact]
    public void ThisRuntime_HasTheVerifiedShape()
    {
        Assert.True(OpenSslIdleBuffers.IsAvailable,
            $"SslStream's SSL is not reachable or its BIOs are not memory BIOs (runtime {Environment.Version}): re-check OpenSslIdleBuffers");
    }

    [Fact]
    public async Task AfterARealHandshake_FreesTheFlightsBuffers_AndTheConnectionStillCarriesData()
    {
        await using LoopbackTlsPair pair = await LoopbackTlsPair.HandshakeAsync("idle-buffers.test");
        (SslStream server, SslStream client, CancellationToken timeout) = (pair.Server, pair.Client, pair.Timeout);

        // The server's flight (certificate, verify, finished) went through its write BIO: at least the certificate's size.
        long freed = OpenSslIdleBuffers.TryRelease(server);
        Assert.True(freed >= pair.Certificate.RawData.Length, $"freed {freed} B, certificate {pair.Certificate.RawData.Length} B");
        Assert.Equal(0, OpenSslIdleBuffers.TryRelease(server)); // already empty: nothing freed, nothing allocated

        // Data both ways, releasing between records, several rounds (the BIOs grow again and are emptied again).
        var buffer = new byte[4];
        for (int round = 0; round < 3; round++)
        {
            await client.WriteAsync("ping"u8.ToArray(), timeout);
            await server.ReadExactlyAsync(buffer, timeout);
            Assert.Equal("ping"u8.ToArray(), buffer);
            Assert.True(OpenSslIdleBuffers.TryRelease(server) > 0, "the request record grew the read BIO again");
            await server.WriteAsync("pong"u8.ToArray(), timeout);
            await client.ReadExactlyAsync(buffer, timeout);
            Assert.Equal("pong"u8.ToArray(), buffer);
            Assert.True(OpenSslIdleBuffers.TryRelease(server) > 0, "the response record grew the write BIO again");
            Assert.True(OpenSslIdleBuffers.TryRelease(client) > 0);
        }

        // A response of 64 KiB goes out as 16 KiB records: the write BIO grows to hold one whole record (and BUF_MEM
        // rounds up by a third), which a keep-alive connection would otherwise keep for the rest of its life.
        byte[] large = new byte[64 * 1024];
        await server.WriteAsync(large, timeout);
        await client.ReadExactlyAsync(new byte[large.Length], timeout);
        long freedAfterLarge = OpenSslIdleBuffers.TryRelease(server);
        Assert.True(freedAfterLarge >= 16 * 1024, $"freed {freedAfterLarge} B after a 64 KiB response");
    }
}
