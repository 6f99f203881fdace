using Terminator.Daemon;
using Terminator.Storage;

namespace Terminator.Tests.Daemon;

/// <summary><c>certs show</c> answers as a handshake would: the server's own map over the listed metadata.</summary>
public sealed class StoredNameResolverTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static StoredCertificateInfo Info(string id, string keyType, TimeSpan validFor, params string[] names) =>
        new(id, names, keyType, Now - TimeSpan.FromDays(1), Now + validFor, Now, Now, string.Empty, $"/store/{id}.tcert");

    [Fact]
    public void Resolve_ExactNameWithBothFamilies_EachChosenForItsClients()
    {
        StoredCertificateInfo ecdsa = Info("shop.ecdsa", "ECDSA P-256", TimeSpan.FromDays(30), "click.shop.test");
        StoredCertificateInfo rsa = Info("shop.rsa", "RSA 2048", TimeSpan.FromDays(30), "click.shop.test");
        StoredCertificateInfo wildcard = Info("wild.ecdsa", "ECDSA P-256", TimeSpan.FromDays(30), "*.shop.test");

        var served = StoredNameResolver.Resolve([ecdsa, rsa, wildcard], "click.shop.test");

        Assert.Equal(2, served.Count);
        Assert.Equal("click.shop.test (exact name), chosen now for clients that accept ECDSA", served.Single(s => s.Entry == ecdsa).Serves);
        Assert.Equal("click.shop.test (exact name), chosen now for clients that do not accept ECDSA", served.Single(s => s.Entry == rsa).Serves);
    }

    [Fact]
    public void Resolve_ExactNameExpired_WildcardServesWhoCanUseIt_BothAreShown()
    {
        StoredCertificateInfo expired = Info("old.ecdsa", "ECDSA P-256", TimeSpan.FromDays(-1), "a.two.test");
        StoredCertificateInfo wildcard = Info("wild.ecdsa", "ECDSA P-256", TimeSpan.FromDays(30), "*.two.test");

        var served = StoredNameResolver.Resolve([expired, wildcard], "a.two.test");

        // As in a handshake: the exact name gives way to a wildcard with something valid for the client; a client that
        // cannot use ECDSA finds nothing valid either way and gets the exact name's (expired) certificate.
        Assert.Equal(2, served.Count);
        Assert.Equal("a.two.test via *.two.test, chosen now for clients that accept ECDSA", served.Single(s => s.Entry == wildcard).Serves);
        Assert.Equal("a.two.test (exact name), chosen now for clients that do not accept ECDSA", served.Single(s => s.Entry == expired).Serves);
    }

    [Fact]
    public void Resolve_OlderCertificateForTheSameName_ShownAsNotChosen()
    {
        StoredCertificateInfo older = Info("pair.ecdsa", "ECDSA P-256", TimeSpan.FromDays(30), "click.shop.test", "email.shop.test") with { NotBefore = Now - TimeSpan.FromDays(10) };
        StoredCertificateInfo newer = Info("single.ecdsa", "ECDSA P-256", TimeSpan.FromDays(90), "click.shop.test");

        var served = StoredNameResolver.Resolve([older, newer], "click.shop.test");

        Assert.Equal("click.shop.test (exact name), chosen now for every client", served.Single(s => s.Entry == newer).Serves);
        Assert.StartsWith("click.shop.test (exact name), not chosen now", served.Single(s => s.Entry == older).Serves, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.b.two.test")] // a wildcard covers exactly one label
    [InlineData("two.test")]
    [InlineData("other.test")]
    public void Resolve_NameNoCertificateServes_Empty(string name)
    {
        Assert.Empty(StoredNameResolver.Resolve([Info("wild.ecdsa", "ECDSA P-256", TimeSpan.FromDays(30), "*.two.test")], name));
    }
}
