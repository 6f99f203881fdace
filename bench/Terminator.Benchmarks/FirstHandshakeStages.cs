using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tls;

namespace Terminator.Benchmarks;

/// <summary>
/// Where a name's first handshake spends its CPU (issue 11): materialises <c>N</c> store entries stage by stage, the way
/// the daemon does on each name's first handshake (file read, AES-256-GCM open, key import, X.509 parse, leaf match and
/// key attach, SAN names, <see cref="SslStreamCertificateContext"/>, server options, the SSL_CTX and the pin), each stage
/// as one loop over all N entries whose results stay alive (as warm names do), and reports the process's CPU time
/// (utime+stime of every thread, from /proc/self/stat) and minor page faults per entry for each stage. Then a real
/// loopback handshake per name, twice: the first after materialisation against the second shows what a context's first
/// use still costs. Finally the daemon's own path (<see cref="CertificateEntry.GetServerOptionsAsync"/> on fresh compact
/// entries), whole, to check that the stages add up.
/// Run: taskset -c 1 dotnet bench/Terminator.Benchmarks/bin/Release/net10.0/Terminator.Benchmarks.dll first-handshake 2000 EcdsaP256
/// </summary>
internal static class FirstHandshakeStages
{
    public static void Run(int count, CertificateKeyType keyType)
    {
        string root = Path.Combine(Path.GetTempPath(), "fh-stages-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(root);
        try
        {
            RunIn(root, count, keyType);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void RunIn(string root, int count, CertificateKeyType keyType)
    {
        using var authority = LocalCertificateAuthority.Create("first handshake stages");
        using StoreKey storeKey = StoreKey.Generate();
        var store = new DirectoryCertificateStore(root, storeKey);
        string[] names = new string[count];
        Parallel.For(0, count, i =>
        {
            names[i] = "n" + i.ToString("D6", CultureInfo.InvariantCulture) + ".stages.example";
            IssuedCertificate issued = authority.Issue([names[i]], keyType);
            store.PutAsync(CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "bench:" + names[i])).AsTask().GetAwaiter().GetResult();
        });

        List<string> files = store.ListEntryFiles();
        files.Sort(StringComparer.Ordinal);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} {keyType} entries, .NET {Environment.Version}, {Environment.ProcessorCount} CPU(s) visible, server GC {System.Runtime.GCSettings.IsServerGC}"));
        // Warm up every code path once (JIT, OpenSSL's lazy provider and algorithm fetches) on entries outside the set.
        WarmUp(store, files[0]);

        var stages = new List<(string Stage, double CpuMicros, double Faults)>();
        void Measure(string stage, Action<int> body)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            (double cpu0, long faults0) = ProcessCounters();
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            (double cpu1, long faults1) = ProcessCounters();
            stages.Add((stage, (cpu1 - cpu0) * 1e6 / count, (faults1 - faults0) / (double)count));
        }

        var bytes = new byte[count][];
        var infos = new StoredCertificateInfo[count];
        var keys = new byte[count][];
        var ecKeys = new AsymmetricAlgorithm[count];
        var parsed = new X509Certificate2Collection[count];
        var leaves = new X509Certificate2[count];
        var contexts = new SslStreamCertificateContext[count];
        var options = new SslServerAuthenticationOptions[count];

        Measure("file read (File.ReadAllBytes)", i => bytes[i] = File.ReadAllBytes(files[i]));
        Measure("AES-256-GCM open + header + chain hash", i =>
        {
            _ = StoreEntryFormat.TryOpen(bytes[i], storeKey, files[i], wantKey: true, out StoredCertificateInfo? info, out byte[]? pkcs8, out _);
            infos[i] = info!;
            keys[i] = pkcs8!;
        });
        Measure("key import (ImportPkcs8PrivateKey)", i => ecKeys[i] = ImportKey(keys[i], infos[i].KeyType));
        Measure("X.509 parse (ImportFromPem)", i =>
        {
            parsed[i] = [];
            parsed[i].ImportFromPem(infos[i].CertificateChainPem);
        });
        Measure("leaf match (2x ExportParameters)", i => _ = MatchesKey(parsed[i][0], ecKeys[i]));
        Measure("CopyWithPrivateKey", i => leaves[i] = ecKeys[i] is ECDsa ec ? parsed[i][0].CopyWithPrivateKey(ec) : parsed[i][0].CopyWithPrivateKey((RSA)ecKeys[i]));
        Measure("SAN names (CertificateNames.Read)", i => _ = CertificateNames.Read(leaves[i]));
        Measure("X509Chain.Build alone (Create's policy, offline)", i =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            _ = chain.Build(leaves[i]);
            foreach (X509ChainElement element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        });
        Measure("SslStreamCertificateContext.Create(offline)", i => contexts[i] = SslStreamCertificateContext.Create(leaves[i], [], offline: true));
        Measure("context without a chain build (CertificateContextBuilder)", i => _ = CertificateContextBuilder.Build(leaves[i], [], stapleOcsp: false));
        Measure("server options", i => options[i] = TlsPolicy.CreateServerOptions(contexts[i]));

        var pinCounters = new SslContextPinCounters();
        var pins = new SslContextPin[count];
        Measure("pin #1: SSL_CTX + SSL (SslContextPin)", i => pins[i] = SslContextPin.Start(options[i], pinCounters));
        stages[^1] = Recharge(stages[^1], WaitUntil(() => pinCounters.Held + pinCounters.Failed >= count, ProcessCounters()), count);
        var secondCounters = new SslContextPinCounters();
        var second = new SslContextPin[count];
        Measure("pin #2 on the same SSL_CTX: SSL only", i => second[i] = SslContextPin.Start(options[i], secondCounters));
        stages[^1] = Recharge(stages[^1], WaitUntil(() => secondCounters.Held + secondCounters.Failed >= count, ProcessCounters()), count);
        foreach (SslContextPin pin in second)
        {
            pin.Release();
        }

        (double firstHs, double secondHs) = Handshakes(names, options);

        Console.WriteLine();
        Console.WriteLine("| stage | CPU µs per name | minor faults per name |");
        Console.WriteLine("|---|---:|---:|");
        foreach ((string stage, double cpu, double faults) in stages)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {stage} | {cpu:0.0} | {faults:0.0} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| loopback handshake + client, first on the context | {firstHs:0.0} | |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| loopback handshake + client, second | {secondHs:0.0} | |"));

        // The daemon's path, whole, on fresh compact entries (each its own file read, so the page cache is warm as above).
        var entries = new CertificateEntry[count];
        for (int i = 0; i < count; i++)
        {
            entries[i] = store.LoadFile(files[i]);
        }

        foreach (SslContextPin pin in pins)
        {
            pin.Release();
        }

        var cache = new CertificateContextCache(count + 1);
        foreach (CertificateEntry entry in entries)
        {
            entry.AttachCache(cache);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        (double c0, long f0) = ProcessCounters();
        foreach (CertificateEntry entry in entries)
        {
            _ = entry.GetServerOptionsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        WaitUntil(() => cache.Pins.Held + cache.Pins.Failed >= count);
        (double c1, long f1) = ProcessCounters();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| **daemon path: GetServerOptionsAsync + pin, whole** | **{(c1 - c0) * 1e6 / count:0.0}** | {(f1 - f0) / (double)count:0.0} |"));
        GC.KeepAlive(contexts);
        GC.KeepAlive(pins);
    }

    private static (string, double, double) Recharge((string Stage, double CpuMicros, double Faults) stage, (double Cpu, long Faults) stageEnd, int count)
    {
        // The pins run on the thread pool, which gets the CPU only once this thread waits: add what it spent since.
        (double cpuNow, long faultsNow) = ProcessCounters();
        return (stage.Stage, stage.CpuMicros + (cpuNow - stageEnd.Cpu) * 1e6 / count, stage.Faults + (faultsNow - stageEnd.Faults) / (double)count);
    }

    /// <summary>CPU seconds (user + system, every thread) and minor page faults of this process, from getrusage(2):
    /// microsecond resolution where /proc/self/stat has clock ticks (10 ms).</summary>
    private static (double CpuSeconds, long MinorFaults) ProcessCounters()
    {
        Span<long> usage = stackalloc long[18]; // struct rusage on x86-64: two timevals, then 14 longs
        if (GetResourceUsage(0, ref usage[0]) != 0)
        {
            throw new InvalidOperationException("getrusage failed");
        }

        double cpu = usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
        return (cpu, usage[8]); // ru_minflt: after ru_maxrss, ru_ixrss, ru_idrss, ru_isrss
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetResourceUsage(int who, ref long usage);

    private static (double First, double Second) Handshakes(string[] names, SslServerAuthenticationOptions[] options)
    {
        var byName = new Dictionary<string, SslServerAuthenticationOptions>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            byName[names[i]] = options[i];
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        double Round()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            (double c0, _) = ProcessCounters();
            foreach (string name in names)
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(endpoint);
                using Socket accepted = listener.Accept();
                using var serverStream = new SslStream(new NetworkStream(accepted, ownsSocket: false));
                using var clientStream = new SslStream(new NetworkStream(client, ownsSocket: false));
                Task server = serverStream.AuthenticateAsServerAsync(new ServerOptionsSelectionCallback((_, hello, _, _) => ValueTask.FromResult(byName[hello.ServerName])), null, CancellationToken.None);
                clientStream.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = name,
                    AllowTlsResume = false,
                    // The throwaway CA is in no trust store: accept a chain error, never a name mismatch.
                    RemoteCertificateValidationCallback = static (_, _, _, errors) => (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None,
                });
                server.GetAwaiter().GetResult();
            }

            (double c1, _) = ProcessCounters();
            return (c1 - c0) * 1e6 / names.Length;
        }

        return (Round(), Round());
    }

    private static void WarmUp(DirectoryCertificateStore store, string file)
    {
        CertificateEntry entry = store.LoadFile(file);
        var cache = new CertificateContextCache(4);
        entry.AttachCache(cache);
        _ = entry.GetServerOptionsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        WaitUntil(() => cache.Pins.Held + cache.Pins.Failed >= 1);
        using var chain = new X509Chain();
        chain.ChainPolicy.DisableCertificateDownloads = true;
        _ = chain.Build(entry.Context.TargetCertificate);
        _ = CertificateContextBuilder.Build(entry.Context.TargetCertificate, [], stapleOcsp: false);
        entry.ReleaseMaterialization();
    }

    private static AsymmetricAlgorithm ImportKey(byte[] pkcs8, string keyType)
    {
        AsymmetricAlgorithm key = keyType.StartsWith("RSA", StringComparison.Ordinal) ? RSA.Create() : ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        CryptographicOperations.ZeroMemory(pkcs8);
        return key;
    }

    private static bool MatchesKey(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        if (key is ECDsa ecdsa)
        {
            using ECDsa? publicKey = certificate.GetECDsaPublicKey();
            return publicKey is not null && publicKey.ExportParameters(false).Q.X.AsSpan().SequenceEqual(ecdsa.ExportParameters(false).Q.X);
        }

        using RSA? rsaPublic = certificate.GetRSAPublicKey();
        return rsaPublic is not null && rsaPublic.ExportParameters(false).Modulus.AsSpan().SequenceEqual(((RSA)key).ExportParameters(false).Modulus);
    }

    private static (double, long) WaitUntil(Func<bool> condition, (double, long) reading)
    {
        WaitUntil(condition);
        return reading;
    }

    private static void WaitUntil(Func<bool> condition)
    {
        // Sleeps, not spins: a spinning wait would be charged to the stage it waits for.
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException("pins did not settle");
            }

            Thread.Sleep(1);
        }
    }
}
