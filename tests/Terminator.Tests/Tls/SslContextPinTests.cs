using System.Collections;
using System.Net.Security;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>The pin on its own: it holds for every key type the loader accepts, counts itself, and starts and ends
/// without throwing a single exception (each one used to cost three, thrown through the handshake's async frames).</summary>
[Collection(SslContextPinQuietTests.Name)]
public sealed class SslContextPinTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Pin Test CA");

    public void Dispose() => _authority.Dispose();

    /// <summary>Every key type, as a rent (the runtime caches the options' SSL_CTX) and as the fallback half-handshake
    /// (options with resumption off: the runtime does not cache their SSL_CTX, so there is nothing to rent).</summary>
    public static TheoryData<CertificateKeyType, bool> KeyTypes
    {
        get
        {
            var data = new TheoryData<CertificateKeyType, bool>();
            foreach (CertificateKeyType keyType in (CertificateKeyType[])[CertificateKeyType.EcdsaP256, CertificateKeyType.EcdsaP384,
                CertificateKeyType.EcdsaP521, CertificateKeyType.Rsa2048, CertificateKeyType.Rsa3072, CertificateKeyType.Rsa4096])
            {
                data.Add(keyType, true);
                data.Add(keyType, false);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task Start_EveryKeyType_HoldsUntilReleased(CertificateKeyType keyType, bool rent)
    {
        SslServerAuthenticationOptions options = Options(keyType, rent);
        var counters = new SslContextPinCounters();

        SslContextPin pin = SslContextPin.Start(options, counters);

        Assert.True(await Eventually.TrueAsync(() => pin.IsHeld), $"{keyType}: the pin did not hold (failures: {counters.Failed})");
        Assert.Equal(rent, pin.IsRent);
        // Absence check, so an explicit window: a pin that ends on its own (a refused hello) does so within it.
        Assert.True(await Consistently.TrueAsync(() => pin.IsHeld, TimeSpan.FromMilliseconds(300)), $"{keyType}: the pin ended on its own");
        Assert.Equal(1, counters.Held);
        Assert.Equal(0, counters.Failed);

        pin.Release();
        pin.Release();

        Assert.False(pin.IsHeld);
        Assert.Equal(0, counters.Held);
        Assert.Equal(0, counters.Failed);
    }

    /// <summary>
    /// The cheap pin is a rent on the handle SslStream's own SSL_CTX cache holds: this fails when a runtime update moves
    /// the members <see cref="RuntimeSslContextRent"/> reaches (pins then fall back to the half-handshake, correct but
    /// ~190 µs and ~55 KiB dearer per name) or changes how the cache counts a handle as in use.
    /// </summary>
    [Fact]
    public void Start_RentsTheRuntimesCachedSslContext()
    {
        SslServerAuthenticationOptions options = Options(CertificateKeyType.EcdsaP256);
        var counters = new SslContextPinCounters();

        SslContextPin pin = SslContextPin.Start(options, counters);

        Assert.True(RuntimeSslContextRent.IsAvailable, "the runtime's SSL_CTX cache members moved: pins fall back to half-handshakes");
        Assert.True(pin.IsHeld, "the rent is taken before Start returns");
        Assert.True(pin.IsRent, "the pin holds a half-handshake, not a rent");
        SafeHandle handle = pin.RentedHandle!;
        Assert.Equal("Microsoft.Win32.SafeHandles.SafeSslContextHandle", handle.GetType().FullName);
        Assert.Contains(handle, RuntimeCachedSslContexts());
        int rents = RentCount(handle);
        Assert.True(rents >= 1, $"rent count {rents}");
        Assert.Equal(1, counters.Held);

        pin.Release();
        pin.Release();

        Assert.Equal(rents - 1, RentCount(handle));
        Assert.False(handle.IsClosed, "releasing the rent closed the runtime's cached handle");
        Assert.Equal(0, counters.Held);
        Assert.Equal(0, counters.Failed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Release_BeforeOrWhileStarting_NothingStaysHeldAndNothingCountsAsFailed(bool rent)
    {
        SslServerAuthenticationOptions options = Options(CertificateKeyType.EcdsaP256, rent);
        var counters = new SslContextPinCounters();
        var pins = new List<SslContextPin>();
        for (int i = 0; i < 50; i++)
        {
            SslContextPin pin = SslContextPin.Start(options, counters);
            pin.Release();
            pins.Add(pin);
        }

        // Every pin either never started or was disposed by its starter; none may be left holding.
        Assert.True(await Eventually.TrueAsync(() => counters.Held == 0), $"{counters.Held} pins still held");
        Assert.True(await Consistently.TrueAsync(() => counters.Held == 0, TimeSpan.FromMilliseconds(200)), "a released pin started holding");
        Assert.All(pins, pin => Assert.False(pin.IsHeld));
        Assert.Equal(0, counters.Failed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PinAndRelease_ManyCycles_NoFirstChanceException(bool rent)
    {
        SslServerAuthenticationOptions options = Options(CertificateKeyType.EcdsaP256, rent);
        var counters = new SslContextPinCounters();
        var thrown = new List<string>();
        void OnFirstChance(object? sender, FirstChanceExceptionEventArgs e)
        {
            // Process-wide event; this collection runs alone, and the filter keeps to what the pin runs: SslStream
            // (System.Net.Security) and the pin's own frames.
            string trace = e.Exception.StackTrace ?? "";
            if (trace.Contains("System.Net.Security", StringComparison.Ordinal) || trace.Contains("Terminator.Tls.SslContextPin", StringComparison.Ordinal))
            {
                lock (thrown)
                {
                    thrown.Add($"{e.Exception.GetType().Name}: {e.Exception.Message}\n{trace}");
                }
            }
        }

        _ = await HoldAsync(SslContextPin.Start(options, counters)); // warm: the SSL_CTX exists before counting
        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        try
        {
            for (int i = 0; i < 100; i++)
            {
                SslContextPin pin = SslContextPin.Start(options, counters);
                if (i % 2 == 0)
                {
                    Assert.True(await HoldAsync(pin), $"cycle {i}: the pin did not hold");
                }

                pin.Release();
            }

            Assert.True(await Eventually.TrueAsync(() => counters.Held == 1), $"{counters.Held} pins held after the cycles (1 expected: the warm one)");
            // Whatever a release would still throw is thrown from the released stream's continuations: give them time
            // (the assertion below names the first one).
            _ = await Consistently.TrueAsync(() => NoneThrown(thrown), TimeSpan.FromMilliseconds(300));
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
        }

        lock (thrown)
        {
            Assert.True(thrown.Count == 0, $"{thrown.Count} first-chance exceptions, the first: {(thrown.Count == 0 ? "" : thrown[0])}");
        }

        Assert.Equal(0, counters.Failed);
    }

    private static bool NoneThrown(List<string> thrown)
    {
        lock (thrown)
        {
            return thrown.Count == 0;
        }
    }

    /// <summary>dotnet/runtime Interop.OpenSsl.s_sslContexts._cache's handles.</summary>
    private static List<SafeHandle> RuntimeCachedSslContexts()
    {
        Type openSsl = typeof(SslStream).Assembly.GetType("Interop+OpenSsl", throwOnError: true)!;
        object cache = openSsl.GetField("s_sslContexts", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        var entries = (IDictionary)cache.GetType().BaseType!.GetField("_cache", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(cache)!;
        return [.. entries.Values.Cast<SafeHandle>()];
    }

    private static int RentCount(SafeHandle handle) =>
        (int)handle.GetType().GetField("_rentCount", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(handle)!;

    private static async Task<bool> HoldAsync(SslContextPin pin) => await Eventually.TrueAsync(() => pin.IsHeld);

    /// <param name="rent">False for options whose SSL_CTX the runtime does not cache (resumption off), which the pin
    /// holds with its fallback half-handshake.</param>
    private SslServerAuthenticationOptions Options(CertificateKeyType keyType, bool rent = true)
    {
        IssuedCertificate issued = _authority.Issue(["pin.test"], keyType);
        // A fresh context in no cache: its ServerOptions would start a pin of its own, so build the options directly.
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test:pin");
        SslServerAuthenticationOptions options = TlsPolicy.CreateServerOptions(SslStreamCertificateContext.Create(entry.Certificate, null, offline: true));
        options.AllowTlsResume = rent;
        return options;
    }
}

/// <summary>The pin tests count first-chance exceptions process-wide: they run alone, after the parallel collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SslContextPinQuietTests
{
    public const string Name = "SSL_CTX pin, alone";
}
