using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Storage;

namespace Terminator.ScaleBench;

/// <summary>
/// Writes N real store entries fast: every entry is its own certificate (own serial, own SAN name, signed by one
/// bench CA, valid signature) in its own encrypted file, exactly as <c>terminator certs import</c> would write it — only the leaf
/// private key is shared. Generating a million distinct P-256 keys would take longer than everything else together
/// and changes nothing the daemon measures: at load it never touches the key, at materialisation it imports whichever
/// key the entry holds. Files are written without the per-entry fsync of <see cref="AtomicFile"/> (a bench, not a store
/// that must survive a crash).
/// </summary>
internal static class StoreGenerator
{
    public const string NameSuffix = ".scale.test";

    public static string Name(int i) => $"d{i:D7}{NameSuffix}";

    /// <summary>Generates entries 0..count-1 into <paramref name="directory"/> unless a previous run left them there.</summary>
    public static TimeSpan Generate(string directory, int count, byte[] storeKey)
    {
        var marker = Path.Combine(directory, ".generated-" + count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (File.Exists(marker))
        {
            EnsureIndex(directory, storeKey);
            return TimeSpan.Zero;
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        var stopwatch = Stopwatch.StartNew();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Scale Bench CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
        string caPem = PemEncoding.WriteString("CERTIFICATE", ca.RawData) + "\n";
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] pkcs8 = leafKey.ExportPkcs8PrivateKey();
        using StoreKey key = StoreKey.FromBytes(storeKey);
        DateTimeOffset created = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // One template leaf from CertificateRequest; each entry patches its own name (same length: "d%07d") and serial
        // into the to-be-signed part and is signed afresh by the CA. A full CertificateRequest per entry cost ~2 ms
        // here (mostly X509Certificate2 round trips), which would make a million entries a 40-minute job.
        var request = new CertificateRequest("CN=" + Name(0), leafKey, HashAlgorithmName.SHA256);
        var sanBuilder = new SubjectAlternativeNameBuilder();
        sanBuilder.AddDnsName(Name(0));
        request.CertificateExtensions.Add(sanBuilder.Build());
        byte[] templateSerial = [0x11, 0x5C, 0xA1, 0xE0, 0, 0, 0, 0];
        using X509Certificate2 template = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey),
            created.AddDays(-1), created.AddDays(90), templateSerial);
        var outer = new AsnReader(template.RawData, AsnEncodingRules.DER).ReadSequence();
        byte[] tbsTemplate = outer.ReadEncodedValue().ToArray();
        byte[] algorithm = outer.ReadEncodedValue().ToArray();
        int[] nameOffsets = FindAll(tbsTemplate, Encoding.ASCII.GetBytes(Name(0)));
        int serialOffset = FindAll(tbsTemplate, templateSerial)[0];
        var notBefore = new DateTimeOffset(template.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(template.NotAfter.ToUniversalTime());

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            string name = Name(i);
            byte[] tbs = (byte[])tbsTemplate.Clone();
            foreach (int offset in nameOffsets)
            {
                Encoding.ASCII.GetBytes(name, tbs.AsSpan(offset));
            }

            BinaryPrimitives.WriteInt32BigEndian(tbs.AsSpan(serialOffset + 4), i);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(tbs);
                writer.WriteEncodedValue(algorithm);
                writer.WriteBitString(caKey.SignData(tbs, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            }

            string chain = PemEncoding.WriteString("CERTIFICATE", writer.Encode()) + "\n" + caPem;
            string[] names = [name];
            string id = CertificateStoreId.For(names, "ecdsa");
            var info = new StoredCertificateInfo(id, names, "ECDSA P-256", notBefore, notAfter, created, created, chain,
                Path.Combine(directory, id + DirectoryCertificateStore.FileExtension));
            File.WriteAllBytes(info.Location, StoreEntryFormat.Seal(info, pkcs8, key));
        });

        CryptographicOperations.ZeroMemory(pkcs8);
        File.WriteAllText(marker, string.Empty);
        EnsureIndex(directory, storeKey);
        return stopwatch.Elapsed;
    }

    /// <summary>
    /// Leaves the store as N imports would: with its index (<c>terminator certs import</c> appends a record per entry).
    /// Built here by the daemon's own code path for a store without one (the first scan reads every entry file and
    /// writes the index), in-process on both cores; the time is printed as "first start without an index".
    /// </summary>
    private static void EnsureIndex(string directory, byte[] storeKey)
    {
        if (File.Exists(Path.Combine(directory, StoreIndexFile.FileName)))
        {
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        using StoreKey key = StoreKey.FromBytes(storeKey);
        var store = new DirectoryCertificateStore(directory, key);
        var files = new StoreCertificateFileSet(store);
        var map = new CertificateMap();
        using (var watcher = new CertificateDirectoryWatcher(files, map, Terminator.Diagnostics.TerminatorLog.Silent, Timeout.InfiniteTimeSpan))
        {
            watcher.RescanAsync(logFailures: false).GetAwaiter().GetResult();
        }

        Console.Error.WriteLine($"[{map.Count}] no store index yet: first scan read {files.LastLoads.FromFiles} entry files and wrote the index in {stopwatch.Elapsed.TotalSeconds:F1} s (in-process, both cores)");
    }

    private static int[] FindAll(byte[] haystack, byte[] needle)
    {
        var found = new List<int>();
        for (int i = haystack.AsSpan().IndexOf(needle); i >= 0;)
        {
            found.Add(i);
            int next = haystack.AsSpan(i + 1).IndexOf(needle);
            i = next < 0 ? -1 : i + 1 + next;
        }

        return [.. found];
    }
}
