using System.Globalization;

namespace Terminator.ScaleBench;

/// <summary>Resident set size from /proc (what the kernel charges the process, not the managed heap).</summary>
internal static class ProcessMemory
{
    public static long RssKiB(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
