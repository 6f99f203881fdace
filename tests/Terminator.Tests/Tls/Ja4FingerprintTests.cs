using System.Text;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// JA4 against published values: FoxIO's worked example (technical_details/JA4.md), a Chrome 143 hello rebuilt from the
/// original-order lists (JA4_ro) that browserleaks.com published with its JA4, and the captured Chromium hello, whose
/// JA4 is the one FoxIO's own tool records for Chrome in its sigalg-grease.pcapng snapshot. Then the other captures
/// (values from the independent Python implementation, TestData/Ja4/ja4.py) and the spec's edge cases.
/// </summary>
public sealed class Ja4FingerprintTests
{
    private static readonly ushort[] s_exampleCiphers =
        [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];

    private static readonly ushort[] s_exampleSignatureAlgorithms = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

    /// <summary>Captures (TestData/ClientHellos) and their JA4; Chromium's equals FoxIO's published Chrome value.</summary>
    public static TheoryData<string, string> Captures => new()
    {
        { ClientHelloCaptures.Chromium, "t13d1517h2_8daaf6152771_cb7bf5808d99" },
        { ClientHelloCaptures.Curl, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6" },
        { ClientHelloCaptures.OpenSslTls13, "t13d311000_e8f1e7e78f70_1f22a2ca17c4" },
        { ClientHelloCaptures.OpenSslTls12, "t12d280700_d943125447b4_e7e480e5a997" },
        { ClientHelloCaptures.OpenSslNoSniAlpn, "t13i3110h1_e8f1e7e78f70_1f22a2ca17c4" },
    };

    [Fact]
    public void TryCompute_FoxIoWorkedExample_MatchesPublishedFingerprint()
    {
        // JA4.md "Example": the extensions in the order it lists them, the signature algorithms in theirs.
        var hello = new ClientHelloBuilder { CipherSuites = s_exampleCiphers };
        AddExtensions(hello, [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015],
            s_exampleSignatureAlgorithms);

        Assert.Equal("t13d1516h2_8daaf6152771_e5627efa2ab1", Ja4(hello.Build()));
    }

    [Fact]
    public void TryCompute_FoxIoExampleWithGreaseEverywhere_GreaseIgnored()
    {
        // RFC 8701 values in suites, extensions, versions and signature algorithms change nothing (JA4.md: "ignore GREASE
        // values anywhere").
        var hello = new ClientHelloBuilder { CipherSuites = [0x0a0a, .. s_exampleCiphers, 0xfafa] };
        AddExtensions(hello, [0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xdada],
            [0x1a1a, .. s_exampleSignatureAlgorithms], versions: [0x3a3a, 0x0304, 0x0303]);

        Assert.Equal("t13d1516h2_8daaf6152771_e5627efa2ab1", Ja4(hello.Build()));
    }

    [Fact]
    public void TryCompute_NoSignatureAlgorithms_NoUnderscoreInHashedText()
    {
        // JA4.md: "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01 = 6d807ffa2a79" — the hello still
        // has extension 000d, but nothing in it once GREASE is set aside.
        var hello = new ClientHelloBuilder { CipherSuites = s_exampleCiphers };
        AddExtensions(hello, [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015],
            [0x5a5a]);

        Assert.Equal("t13d1516h2_8daaf6152771_6d807ffa2a79", Ja4(hello.Build()));
    }

    [Fact]
    public void TryCompute_Chrome143FromBrowserleaks_MatchesPublishedFingerprint()
    {
        // browserleaks.com/tls for Chrome 143 on Android: ja4 t13d1516h2_8daaf6152771_d8a2da3f94cd, with ja4_ro listing
        // suites, extensions (ECH fe0d, ALPS 44cd) and signature algorithms in the order the browser sent them.
        var hello = new ClientHelloBuilder { CipherSuites = [0x4a4a, .. s_exampleCiphers] };
        AddExtensions(hello, [0x8a8a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b, 0x1a1a],
            s_exampleSignatureAlgorithms, versions: [0x6a6a, 0x0304, 0x0303]);

        Assert.Equal("t13d1516h2_8daaf6152771_d8a2da3f94cd", Ja4(hello.Build()));
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void TryCompute_Capture_MatchesExpected(string capture, string expected)
    {
        Assert.Equal(expected, Ja4(ClientHelloCaptures.Load(capture)));
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void TryCompute_CaptureFragmentedIntoSmallRecords_SameFingerprint(string capture, string expected)
    {
        byte[] message = ClientHelloBuilder.MessageOf(ClientHelloCaptures.Load(capture));
        foreach (int fragment in new[] { 1, 7, 100, 511 })
        {
            Assert.Equal(expected, Ja4(ClientHelloBuilder.ToRecords(message, fragment)));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x68, 0x32 }, "h2")]
    [InlineData(new byte[] { 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31 }, "h1")]
    [InlineData(new byte[] { 0x68 }, "hh")]                     // one character: first and last
    [InlineData(new byte[] { 0xAB }, "ab")]                     // the JA4.md examples of non-alphanumeric bytes
    [InlineData(new byte[] { 0xAB, 0xCD }, "ad")]
    [InlineData(new byte[] { 0x30, 0xAB }, "3b")]
    [InlineData(new byte[] { 0x30, 0x31, 0xAB, 0xCD }, "3d")]
    [InlineData(new byte[] { 0x30, 0xAB, 0xCD, 0x31 }, "01")]
    [InlineData(new byte[] { 0x0d, 0x0a }, "0a")]               // CR LF: never into a header
    [InlineData(new byte[] { 0x20, 0x5f }, "2f")]               // space, underscore
    [InlineData(new byte[] { 0x48, 0x32 }, "H2")]               // case kept
    public void TryCompute_FirstAlpnValue_FirstAndLastCharacterOrHexDigits(byte[] protocol, string expected)
    {
        var hello = new ClientHelloBuilder();
        hello.AddExtension(16, ClientHelloBuilder.Vector16(ClientHelloBuilder.Concat([ClientHelloBuilder.Vector8(protocol), ClientHelloBuilder.Vector8("h2"u8.ToArray())])));

        Assert.Equal(expected, Ja4(hello.Build())[8..10]);
    }

    [Fact]
    public void TryCompute_NoAlpnNoSniNoExtensions_ZerosAndLegacyVersion()
    {
        var hello = new ClientHelloBuilder { LegacyVersion = 0x0303, CipherSuites = [0xc02b], IncludeExtensions = false };

        // No extensions at all: count 00, part c all zeros; the version is legacy_version's.
        Assert.Equal("t12i010000_" + Hash12("c02b") + "_000000000000", Ja4(hello.Build()));
    }

    [Fact]
    public void TryCompute_OnlyGreaseSuitesAndSniAlpnExtensions_EmptyListsAreZeros()
    {
        var hello = new ClientHelloBuilder { CipherSuites = [0x0a0a] };
        hello.WithServerName("a.example").WithAlpn("h2");

        Assert.Equal("t12d0002h2_000000000000_000000000000", Ja4(hello.Build()));
    }

    [Fact]
    public void TryCompute_MoreThan99SuitesAndExtensions_CountsCappedAt99()
    {
        var hello = new ClientHelloBuilder { CipherSuites = [.. Enumerable.Range(0x0100, 120).Select(i => (ushort)i)] };
        for (int i = 0; i < 105; i++)
        {
            hello.AddExtension((ushort)(0x1000 + i), []);
        }

        string ja4 = Ja4(hello.Build());
        Assert.Equal("t12i999900", ja4[..10]);
        Assert.Equal(Hash12(string.Join(',', Enumerable.Range(0x0100, 120).Select(i => i.ToString("x4")))), ja4[11..23]);
    }

    [Theory]
    [InlineData(new ushort[] { 0x0304, 0x0303 }, "13")]
    [InlineData(new ushort[] { 0x0303, 0x0304 }, "13")] // the highest, wherever it stands
    [InlineData(new ushort[] { 0x0303, 0x0302 }, "12")]
    [InlineData(new ushort[] { 0x0301 }, "10")]
    [InlineData(new ushort[] { 0x7f1c }, "00")]         // a draft version: unknown
    public void TryCompute_SupportedVersions_HighestWinsOverLegacyVersion(ushort[] versions, string expected)
    {
        var hello = new ClientHelloBuilder { LegacyVersion = 0x0301 };
        hello.WithSupportedVersions(versions);

        Assert.Equal(expected, Ja4(hello.Build())[1..3]);
    }

    [Fact]
    public void TryCompute_SignatureAlgorithmsKeepTheirOrder_ExtensionsAreSorted()
    {
        var forward = new ClientHelloBuilder();
        forward.AddExtension(0x000a, [0, 0]).AddExtension(0x000b, [0]).WithSignatureAlgorithms([0x0403, 0x0804]);
        var reordered = new ClientHelloBuilder();
        reordered.WithSignatureAlgorithms([0x0403, 0x0804]).AddExtension(0x000b, [0]).AddExtension(0x000a, [0, 0]);
        var otherSchemeOrder = new ClientHelloBuilder();
        otherSchemeOrder.AddExtension(0x000a, [0, 0]).AddExtension(0x000b, [0]).WithSignatureAlgorithms([0x0804, 0x0403]);

        Assert.Equal(Hash12("000a,000b,000d_0403,0804"), Ja4(forward.Build())[24..]);
        Assert.Equal(Ja4(forward.Build()), Ja4(reordered.Build()));
        Assert.NotEqual(Ja4(forward.Build()), Ja4(otherSchemeOrder.Build()));
    }

    [Theory]
    [InlineData(0)]   // nothing
    [InlineData(5)]   // a record header only
    [InlineData(40)]  // a cut hello
    public void TryCompute_IncompleteHello_False(int length)
    {
        byte[] capture = ClientHelloCaptures.Load(ClientHelloCaptures.Curl);
        Assert.False(Ja4Fingerprint.TryCompute(capture.AsSpan(0, length), new byte[Ja4Fingerprint.Length]));
    }

    [Fact]
    public void TryCompute_ExtensionLengthLies_False()
    {
        byte[] message = ClientHelloBuilder.MessageOf(ClientHelloCaptures.Load(ClientHelloCaptures.Curl));
        // The last two bytes of the hello belong to its last extension; claim a longer extensions block.
        byte[] body = message[4..];
        int extensionsAt = 2 + 32 + 1 + body[34];
        extensionsAt += 2 + ((body[extensionsAt] << 8) | body[extensionsAt + 1]);
        extensionsAt += 1 + body[extensionsAt];
        body[extensionsAt + 1]++;

        Assert.False(Ja4Fingerprint.TryComputeFromBody(body, new byte[Ja4Fingerprint.Length]));
    }

    [Fact]
    public void TryCompute_AfterWarmUp_AllocatesNothing()
    {
        byte[] chromium = ClientHelloCaptures.Load(ClientHelloCaptures.Chromium);
        byte[] fragmented = ClientHelloBuilder.ToRecords(ClientHelloBuilder.MessageOf(chromium), 600);
        byte[] destination = new byte[Ja4Fingerprint.Length];
        Assert.True(Ja4Fingerprint.TryCompute(chromium, destination));
        Assert.True(Ja4Fingerprint.TryCompute(fragmented, destination));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Ja4Fingerprint.TryCompute(chromium, destination);
            Ja4Fingerprint.TryCompute(fragmented, destination);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal static string Ja4(byte[] records)
    {
        byte[] destination = new byte[Ja4Fingerprint.Length];
        Assert.True(Ja4Fingerprint.TryCompute(records, destination), "not a complete ClientHello");
        return Encoding.ASCII.GetString(destination);
    }

    private static string Hash12(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(text)))[..12];

    /// <summary>Adds extensions in the given order with plausible contents: SNI, ALPN h2, the signature algorithms,
    /// supported_versions; empty data for the rest (JA4 reads only their types).</summary>
    private static void AddExtensions(ClientHelloBuilder hello, ushort[] types, ushort[] signatureAlgorithms, ushort[]? versions = null)
    {
        foreach (ushort type in types)
        {
            switch (type)
            {
                case 0x0000:
                    hello.WithServerName("click.example.com");
                    break;
                case 0x0010:
                    hello.WithAlpn("h2", "http/1.1");
                    break;
                case 0x000d:
                    hello.WithSignatureAlgorithms(signatureAlgorithms);
                    break;
                case 0x002b:
                    hello.WithSupportedVersions(versions ?? [0x0304, 0x0303]);
                    break;
                default:
                    hello.AddExtension(type, []);
                    break;
            }
        }
    }
}
