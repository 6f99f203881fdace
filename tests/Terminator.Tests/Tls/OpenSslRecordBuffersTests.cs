using System.Net.Security;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// The SSL_MODE_RELEASE_BUFFERS workaround reaches SslStream's private SSL handle: these fail when a runtime change
/// moves it, so the workaround is re-checked instead of silently doing nothing (or worse).
/// </summary>
public sealed class OpenSslRecordBuffersTests
{
    [Fact]
    public void ThisRuntime_HasTheVerifiedShape()
    {
        Assert.True(OpenSslRecordBuffers.IsAvailable,
            $"SslStream._securityContext is not the SafeDeleteSslContext verified on .NET 10 (runtime {Environment.Version}): re-check OpenSslRecordBuffers");
    }

    [Fact]
    public async Task AfterARealHandshake_TheModeIsSet()
    {
        await using LoopbackTlsPair pair = await LoopbackTlsPair.HandshakeAsync("release-buffers.test");
        (SslStream server, SslStream client, CancellationToken timeout) = (pair.Server, pair.Client, pair.Timeout);

        Assert.True(OpenSslRecordBuffers.TryRelease(server));

        // The connection still carries data both ways with the buffers released between records.
        await client.WriteAsync("ping"u8.ToArray(), timeout);
        var buffer = new byte[4];
        await server.ReadExactlyAsync(buffer, timeout);
        Assert.Equal("ping"u8.ToArray(), buffer);
        await server.WriteAsync("pong"u8.ToArray(), timeout);
        await client.ReadExactlyAsync(buffer, timeout);
        Assert.Equal("pong"u8.ToArray(), buffer);
    }
}
