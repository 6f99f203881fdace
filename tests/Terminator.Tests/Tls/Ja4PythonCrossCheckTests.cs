using System.Text;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// Differential test: the C# fingerprint against TestData/Ja4/ja4.py, a second implementation written from FoxIO's
/// description alone (stdlib hashlib), over the captures and a few hundred random hellos with GREASE, odd ALPN bytes,
/// duplicated-looking lists, fragmentation and every count from 0 to past 99.
/// </summary>
public sealed class Ja4PythonCrossCheckTests
{
    internal static string Script => Path.Combine(AppContext.BaseDirectory, "TestData", "Ja4", "ja4.py");

    [ToolFact("python3")]
    public async Task Captures_BothImplementationsAgree()
    {
        byte[][] hellos = [.. ClientHelloCaptures.Names.Select(ClientHelloCaptures.Load)];
        await AssertAgreeAsync(hellos);
    }

    [ToolFact("python3")]
    public async Task RandomHellos_BothImplementationsAgree()
    {
        var random = new Random(4_2024);
        byte[][] hellos = [.. Enumerable.Range(0, 300).Select(_ => RandomHello(random))];
        await AssertAgreeAsync(hellos);
    }

    /// <summary>Lists past the stack buffers (128 entries, 1 KiB of hash input): the pooled path, and counts far past 99.</summary>
    [ToolFact("python3")]
    public async Task HugeHellos_PooledBuffers_BothImplementationsAgree()
    {
        var hellos = new List<byte[]>();
        foreach ((int suites, int extensions, int fragment) in new[] { (1000, 10, 1 << 14), (20, 600, 1 << 14), (3000, 900, 1000) })
        {
            var hello = new ClientHelloBuilder { CipherSuites = [.. Enumerable.Range(0, suites).Select(i => (ushort)(0xffff - (i * 7)))] };
            for (int i = 0; i < extensions; i++)
            {
                hello.AddExtension((ushort)(0x7000 + (i * 3)), []);
            }

            hello.WithSignatureAlgorithms([.. Enumerable.Range(0, 200).Select(i => (ushort)(0x0400 + i))]);
            hellos.Add(hello.Build(fragment));
        }

        await AssertAgreeAsync([.. hellos]);
    }

    private static async Task AssertAgreeAsync(byte[][] hellos)
    {
        using var temp = new TempDirectory("ja4");
        string directory = temp.FullName;
        var files = new List<string>();
        for (int i = 0; i < hellos.Length; i++)
        {
            string file = Path.Combine(directory, $"{i}.bin");
            await File.WriteAllBytesAsync(file, hellos[i]);
            files.Add(file);
        }

        (int exitCode, string stdout, string stderr) = await ToolProcess.RunAsync("python3", [Script, .. files], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, stderr);
        string[] expected = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(hellos.Length, expected.Length);
        for (int i = 0; i < hellos.Length; i++)
        {
            Assert.True(expected[i] == Ja4FingerprintTests.Ja4(hellos[i]), $"hello {i} ({Convert.ToHexString(hellos[i])}): python {expected[i]}, C# {Ja4FingerprintTests.Ja4(hellos[i])}");
        }
    }

    private static byte[] RandomHello(Random random)
    {
        ushort[] grease = [.. Enumerable.Range(0, 16).Select(i => (ushort)(0x0a0a + (i * 0x1010)))];
        ushort Any() => random.Next(8) == 0 ? grease[random.Next(16)] : (ushort)random.Next(0x10000);

        var hello = new ClientHelloBuilder
        {
            LegacyVersion = (ushort)(random.Next(3) == 0 ? 0x0301 + random.Next(3) : 0x0303),
            CipherSuites = [.. Enumerable.Range(0, 1 + random.Next(random.Next(2) == 0 ? 20 : 130)).Select(_ => Any())],
        };
        var used = new HashSet<ushort>();
        int extensions = random.Next(4) == 0 ? random.Next(110) : random.Next(20);
        hello.IncludeExtensions = extensions > 0 || random.Next(2) == 0;
        for (int i = 0; i < extensions; i++)
        {
            ushort type = random.Next(4) switch
            {
                0 => (ushort)new[] { 0x0000, 0x0010, 0x000d, 0x002b }[random.Next(4)],
                1 => grease[random.Next(16)],
                _ => Any(),
            };
            if (!used.Add(type))
            {
                continue; // RFC 8446 §4.2: one extension of a type
            }

            switch (type)
            {
                case 0x0000:
                    hello.WithServerName("r.example");
                    break;
                case 0x0010:
                    byte[][] protocols = [.. Enumerable.Range(0, 1 + random.Next(3)).Select(_ => RandomProtocol(random))];
                    hello.AddExtension(16, ClientHelloBuilder.Vector16(ClientHelloBuilder.Concat(protocols.Select(ClientHelloBuilder.Vector8))));
                    break;
                case 0x000d:
                    hello.WithSignatureAlgorithms([.. Enumerable.Range(0, 1 + random.Next(12)).Select(_ => Any())]);
                    break;
                case 0x002b:
                    hello.WithSupportedVersions([.. Enumerable.Range(0, 1 + random.Next(4)).Select(_ => random.Next(3) == 0 ? Any() : (ushort)(0x0301 + random.Next(4)))]);
                    break;
                default:
                    hello.AddExtension(type, [.. Enumerable.Range(0, random.Next(6)).Select(_ => (byte)random.Next(256))]);
                    break;
            }
        }

        return hello.Build(random.Next(4) == 0 ? 1 + random.Next(300) : 1 << 14);
    }

    private static byte[] RandomProtocol(Random random)
    {
        string[] common = ["h2", "http/1.1", "h3", "x"];
        if (random.Next(2) == 0)
        {
            return Encoding.ASCII.GetBytes(common[random.Next(common.Length)]);
        }

        return [.. Enumerable.Range(0, 1 + random.Next(6)).Select(_ => (byte)random.Next(256))];
    }
}
