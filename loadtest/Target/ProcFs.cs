using System.Globalization;

namespace Terminator.LoadTest.Target;

/// <summary>CPU time and resident memory of a process, from <c>/proc/PID/stat</c> and <c>/proc/PID/status</c> (proc(5)).</summary>
internal static class ProcFs
{
    /// <summary>USER_HZ: clock ticks per second of the stat counters, 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100.0;

    /// <summary>utime + stime in seconds; NaN when the process is gone.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // After the ")" that ends the command name: field 3 is state, so utime (14) and stime (15) are 11 and 12.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>VmRSS in MiB; NaN when the process is gone.</summary>
    public static double RssMiB(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return double.Parse(parts[1], CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return double.NaN;
    }
}
