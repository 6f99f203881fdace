using Terminator.Tests.Acme;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// One Pebble for a test class, validating against a <see cref="LoopbackChallengeResponder"/> that listens on the
/// ports Pebble's validator connects to (HTTP-01 and TLS-ALPN-01). Starts nothing when Pebble is not installed (the
/// <see cref="PebbleFactAttribute"/> tests are skipped then).
/// </summary>
public sealed class PebbleFixture : IAsyncLifetime
{
    private PebbleProcess? _pebble;

    /// <summary>The running Pebble.</summary>
    public PebbleProcess Pebble => _pebble ?? throw new InvalidOperationException("pebble is not installed");

    /// <summary>Answers Pebble's validation requests for whatever challenges a test presents through it.</summary>
    internal LoopbackChallengeResponder Responder { get; } = new();

    public async Task InitializeAsync()
    {
        if (!PebbleProcess.IsInstalled)
        {
            return;
        }

        Responder.Start();
        _pebble = await PebbleProcess.StartAsync(Responder.HttpPort, Responder.TlsPort);
    }

    public async Task DisposeAsync()
    {
        if (_pebble is not null)
        {
            await _pebble.DisposeAsync();
        }

        await Responder.DisposeAsync();
    }
}
