using Terminator.Domains;

namespace Terminator.Tests.Domains;

/// <summary>The registry as a fleet node's copy: shared records applied verbatim and durably (the issuing node and time
/// included), and a record without them written byte for byte as before.</summary>
public sealed class ManagedDomainRegistrySharedTests : IDisposable
{
    private readonly RegistryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ApplyShared_KeepsTheSharedRecordVerbatim_IssuerIncluded_AcrossAReopen()
    {
        var shared = new ManagedDomain
        {
            Name = "click.copy.test",
            State = ManagedDomainState.Valid,
            KeyTypes = ManagedKeyTypes.Both,
            Added = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000),
            Updated = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_500_000),
            NotAfter = DateTimeOffset.FromUnixTimeMilliseconds(1_770_000_000_000),
            NextRenewal = DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_000),
            CertificateIds = ["abc", "def"],
            IssuedBy = "edge-7/4242/0a1b2c3d",
            IssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_400_000),
        };
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            var changes = new List<ManagedDomainChange>();
            registry.Changed += changes.Add;
            Assert.True(registry.ApplyShared(shared));
            Assert.False(registry.ApplyShared(shared)); // equal: nothing written, nothing published
            Assert.True(registry.TryGet(shared.Name, out ManagedDomain? applied));
            Assert.Equal(shared, applied); // Updated is the shared one, not this node's clock
            Assert.Equal([new ManagedDomainChange(shared.Name, ManagedDomainChangeKind.Added)], changes);
        }

        await using (ManagedDomainRegistry reopened = _folder.Open())
        {
            Assert.True(reopened.TryGet(shared.Name, out ManagedDomain? read));
            Assert.Equal(shared, read);
            Assert.True(reopened.ApplySharedRemoval(shared.Name));
            Assert.False(reopened.ApplySharedRemoval(shared.Name));
        }

        await using (ManagedDomainRegistry again = _folder.Open())
        {
            Assert.False(again.TryGet(shared.Name, out _));
        }
    }

    [Fact]
    public void RecordFormat_WithoutAnIssuer_IsWhatEarlierBuildsWrote_AndWithOneRoundTrips()
    {
        var plain = new ManagedDomain { Name = "plain.copy.test", Added = DateTimeOffset.FromUnixTimeMilliseconds(1), Updated = DateTimeOffset.FromUnixTimeMilliseconds(2) };
        byte[] frame = new byte[DomainRecordFormat.MaxFrameLength];
        int plainLength = DomainRecordFormat.WritePut(plain, frame);
        // name(1 + 15) state keyTypes 4 times attempts errorLength idCount, after the kind byte: no trailer.
        Assert.Equal(DomainRecordFormat.FrameHeaderLength + 1 + 16 + 2 + 32 + 4 + 2 + 1, plainLength);
        Assert.True(DomainRecordFormat.TryDecode(frame.AsSpan(DomainRecordFormat.FrameHeaderLength, plainLength - DomainRecordFormat.FrameHeaderLength), out DomainRecord decoded));
        Assert.Equal(plain, decoded.Domain);

        ManagedDomain issued = plain with { IssuedBy = "node-b", IssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(3) };
        int issuedLength = DomainRecordFormat.WritePut(issued, frame);
        Assert.Equal(plainLength + 1 + 6 + 8, issuedLength);
        Assert.True(DomainRecordFormat.TryDecode(frame.AsSpan(DomainRecordFormat.FrameHeaderLength, issuedLength - DomainRecordFormat.FrameHeaderLength), out decoded));
        Assert.Equal(issued, decoded.Domain);
    }
}
