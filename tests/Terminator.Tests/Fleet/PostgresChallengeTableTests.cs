using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Terminator.Acme;
using Terminator.Fleet;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;
using Xunit.Abstractions;

namespace Terminator.Tests.Fleet;

/// <summary>Challenges shared through PostgreSQL: published by one node, answered by another within a bound, from the
/// other node's own listener; never a key in the table.</summary>
[Collection(EndToEndTests.Name)]
public sealed class PostgresChallengeTableTests(PostgresClusterFixture fixture, CertificateAuthorityFixture ca, ITestOutputHelper output)
    : IClassFixture<PostgresClusterFixture>
{
    private const string Token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    private const string KeyAuthorization = Token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

    /// <summary>What a node answering from its local mirror may take, from the publishing node's return.</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(1);

    [PostgresFact]
    public async Task Http01_PublishedOnNodeA_IsAnsweredByNodeBsListener_AndGoneAfterCleanup()
    {
        (NpgsqlDataSource database, PostgresChallengeTable a, PostgresChallengeTable b) = await TwoNodesAsync();
        await using (database)
        await using (a)
        await using (b)
        {
            await using var upstream = new RecordingUpstream();
            await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, challenges: b.Local);
            using var challenge = new AcmeChallengeResponse(AcmeChallengeTypes.Http01, "click.customer.test", Token, KeyAuthorization,
                new Uri("https://ca.test/chall/1"), new Uri("https://ca.test/authz/1"));

            await a.PresentAsync(challenge, CancellationToken.None);
            long published = Stopwatch.GetTimestamp();
            Assert.True(await Eventually.TrueAsync(() => b.Local.Http01Count == 1, AnswerBound));
            output.WriteLine($"answered on node B {Stopwatch.GetElapsedTime(published).TotalMilliseconds:0.0} ms after node A's PresentAsync returned");

            await using (RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http))
            {
                await client.SendAsync($"GET /.well-known/acme-challenge/{Token} HTTP/1.1\r\nHost: click.customer.test\r\nConnection: close\r\n\r\n");
                RawResponse answered = (await client.ReadResponseAsync())!;
                Assert.Equal(200, answered.Status);
                Assert.Equal(KeyAuthorization, answered.BodyText);
            }

            Assert.Empty(upstream.Requests);
            await a.CleanupAsync(challenge, CancellationToken.None);
            Assert.True(await Eventually.TrueAsync(() => b.Local.Http01Count == 0, AnswerBound));
            Assert.Equal(0, a.Local.Http01Count);
        }
    }

    [PostgresFact]
    public async Task TlsAlpn01_PublishedOnNodeA_NodeBBuildsItsOwnCertificate_AndTheTableHoldsNoKey()
    {
        (NpgsqlDataSource database, PostgresChallengeTable a, PostgresChallengeTable b) = await TwoNodesAsync();
        await using (database)
        await using (a)
        await using (b)
        {
            using var challenge = new AcmeChallengeResponse(AcmeChallengeTypes.TlsAlpn01, "click.customer.test", Token, KeyAuthorization,
                new Uri("https://ca.test/chall/2"), new Uri("https://ca.test/authz/2"));
            await a.PresentAsync(challenge, CancellationToken.None);

            Assert.True(await Eventually.TrueAsync(() => b.Local.Select("click.customer.test"u8, default) is not null, AnswerBound));
            var served = (AcmeTlsAlpnCertificate)b.Local.Select("click.customer.test"u8, default)!;
            Assert.NotSame(challenge.TlsAlpnCertificate, served);
            X509Extension identifier = served.Certificate.Extensions[AcmeTlsAlpnCertificate.AcmeIdentifierOid]!;
            Assert.True(identifier.Critical);
            Assert.Equal(AcmeTlsAlpnCertificate.AcmeIdentifierValue(KeyAuthorization), identifier.RawData);
            Assert.NotEqual(challenge.TlsAlpnCertificate!.Certificate.GetPublicKeyString(), served.Certificate.GetPublicKeyString());

            // The row: the domain, the key authorization, an expiry; nothing else (no key, no certificate).
            await using (NpgsqlConnection connection = await database.OpenConnectionAsync())
            await using (var columns = new NpgsqlCommand("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'challenges'", connection))
            {
                Assert.Equal("kind,name,key_authorization,expires_at,created_by", (string)(await columns.ExecuteScalarAsync())!);
            }

            await a.CleanupAsync(challenge, CancellationToken.None);
            Assert.True(await Eventually.TrueAsync(() => b.Local.Select("click.customer.test"u8, default) is null, AnswerBound));
        }
    }

    [PostgresFact]
    public async Task ANodeStartedAfterThePublication_AnswersFromItsFirstLoad()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string name = await cluster.CreateDatabaseAsync();
        await using NpgsqlDataSource database = NpgsqlDataSource.Create(cluster.ConnectionString(name));
        await StoreSchema.MigrateAsync(database, CancellationToken.None);
        await using var a = new PostgresChallengeTable(database, new AcmeChallengeTable(), "a", NullLogger.Instance);
        using var challenge = new AcmeChallengeResponse(AcmeChallengeTypes.Http01, "late.customer.test", Token, KeyAuthorization,
            new Uri("https://ca.test/chall/3"), new Uri("https://ca.test/authz/3"));
        await a.PresentAsync(challenge, CancellationToken.None); // not listening yet: published without waiting

        await using var late = new PostgresChallengeTable(database, new AcmeChallengeTable(), "late", NullLogger.Instance);
        late.Start();
        Assert.True(await Eventually.TrueAsync(() => late.Local.Http01Count == 1, TimeSpan.FromSeconds(5)));
    }

    private async Task<(NpgsqlDataSource Database, PostgresChallengeTable A, PostgresChallengeTable B)> TwoNodesAsync()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string name = await cluster.CreateDatabaseAsync();
        NpgsqlDataSource database = NpgsqlDataSource.Create(cluster.ConnectionString(name));
        await StoreSchema.MigrateAsync(database, CancellationToken.None);
        var a = new PostgresChallengeTable(database, new AcmeChallengeTable(), "node-a", NullLogger.Instance);
        var b = new PostgresChallengeTable(database, new AcmeChallengeTable(), "node-b", NullLogger.Instance);
        a.Start();
        b.Start();
        Assert.True(await Eventually.TrueAsync(() => a.IsConnected && b.IsConnected, TimeSpan.FromSeconds(10)));
        return (database, a, b);
    }
}
