using BenchmarkDotNet.Running;

namespace Terminator.Benchmarks;

/// <summary>
/// Micro benchmarks of the hot paths, each with [MemoryDiagnoser] so "0 B allocated" is measured, not claimed.
/// Run: taskset -c 1 dotnet run -c Release --project bench/Terminator.Benchmarks -- --filter '*'
/// (<c>-- pin-memory EcdsaP256</c>: resident memory per SSL_CTX pin, <see cref="SslContextPinMemory"/>;
/// <c>-- pin-memory-names 2000 EcdsaP256</c>: resident memory and CPU per pinned name, SSL_CTX included;
/// <c>-- first-handshake 2000 EcdsaP256</c>: CPU per stage of a name's first handshake, <see cref="FirstHandshakeStages"/>).
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

        if (args is ["pin-memory-names", string names, string nameKeyType])
        {
            SslContextPinMemory.RunNames(int.Parse(names, System.Globalization.CultureInfo.InvariantCulture), Enum.Parse<Samples.Certificates.CertificateKeyType>(nameKeyType));
            return;
        }

        if (args is ["first-handshake", ..])
        {
            FirstHandshakeStages.Run(
                args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000,
                args.Length > 2 ? Enum.Parse<Samples.Certificates.CertificateKeyType>(args[2]) : Samples.Certificates.CertificateKeyType.EcdsaP256);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
