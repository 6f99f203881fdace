using BenchmarkDotNet.Running;

namespace Terminator.Benchmarks;

/// <summary>
/// Micro benchmarks of the hot paths, each with [MemoryDiagnoser] so "0 B allocated" is measured, not claimed.
/// Run: taskset -c 1 dotnet run -c Release --project bench/Terminator.Benchmarks -- --filter '*'
/// (<c>-- pin-memory EcdsaP256</c>: resident memory per SSL_CTX pin, <see cref="SslContextPinMemory"/>).
/// </summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["pin-memory", string keyType])
        {
            SslContextPinMemory.Run(Enum.Parse<Samples.Certificates.CertificateKeyType>(keyType));
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
