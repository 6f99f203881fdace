namespace Terminator.LoadTest.Target;

/// <summary>The target process at one measured second: CPU used in that second (100 = one core) and resident memory.</summary>
internal sealed record ProcessSample(string Scenario, int Second, double CpuPercent, double RssMiB);
