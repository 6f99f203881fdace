using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_CACHE_TTL, TERMINATOR_CACHE_MAX_BYTES, TERMINATOR_CACHE_ORIGIN_HEADERS.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Fact]
    public void TryLoad_CacheUnset_Off()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);
        Assert.False(options.Cache.Enabled);
        Assert.Equal(64L * 1024 * 1024, options.Cache.MaxBytes);
        Assert.Equal(CacheOriginHeaders.Ignore, options.Cache.OriginHeaders);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("off", 0)]
    [InlineData("10s", 10_000)]
    [InlineData("1500ms", 1_500)]
    public void TryLoad_CacheTtl_Parsed(string value, int milliseconds)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_CACHE_TTL", value)), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Cache.Ttl);
    }

    [Theory]
    [InlineData("65536", 65_536L)]
    [InlineData("512k", 524_288L)]
    [InlineData("64M", 67_108_864L)]
    [InlineData("2g", 2_147_483_648L)]
    public void TryLoad_CacheMaxBytes_Parsed(string value, long expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_CACHE_MAX_BYTES", value)), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(expected, options.Cache.MaxBytes);
    }

    [Theory]
    [InlineData("TERMINATOR_CACHE_TTL", "10", "TERMINATOR_CACHE_TTL: '10' has no unit")]
    [InlineData("TERMINATOR_CACHE_TTL", "2h", "TERMINATOR_CACHE_TTL: '2h' is too long")]
    [InlineData("TERMINATOR_CACHE_MAX_BYTES", "1k", "TERMINATOR_CACHE_MAX_BYTES: '1k' is out of range (64k to 64g)")]
    [InlineData("TERMINATOR_CACHE_MAX_BYTES", "65g", "TERMINATOR_CACHE_MAX_BYTES: '65g' is out of range (64k to 64g)")]
    [InlineData("TERMINATOR_CACHE_MAX_BYTES", "-5m", "TERMINATOR_CACHE_MAX_BYTES: '-5m' is not a size")]
    [InlineData("TERMINATOR_CACHE_MAX_BYTES", "1.5m", "TERMINATOR_CACHE_MAX_BYTES: '1.5m' is not a size")]
    [InlineData("TERMINATOR_CACHE_ORIGIN_HEADERS", "obey", "TERMINATOR_CACHE_ORIGIN_HEADERS: 'obey' is not a setting (expected ignore or respect)")]
    public void TryLoad_CacheBadValue_OneLineNamingTheVariable(string name, string value, string expectedStart)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env((name, value)), out _, out string? error));
        Assert.StartsWith(expectedStart, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_CacheRespect_Parsed()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_CACHE_ORIGIN_HEADERS", "Respect")), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(CacheOriginHeaders.Respect, options.Cache.OriginHeaders);
    }
}
