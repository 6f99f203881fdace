using BenchmarkDotNet.Running;

namespace Terminator.Benchmarks;

/// <summary>
/// Micro benchmarks of the hot paths, each with [MemoryDiagnoser] so "0 B allocated" is measured, not claimed.
/// Run: taskset -c 1 dotnet run -c Release --project bench/Terminator.Benchmarks -- --filter '*'
/// </summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
