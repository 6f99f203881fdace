using System.Globalization;

namespace Terminator.MacroBench;

/// <summary>CPU time and resident memory of a process tree, read from /proc (clock ticks are 100 Hz on Linux).</summary>
internal static class ProcessStats
{
    private const double TicksPerSecond = 100.0;

    /// <summary>utime + stime of the process and its descendants (nginx/haproxy workers), in seconds.</summary>
    public static double CpuSeconds(int rootPid)
    {
        double total = 0;
        foreach (int pid in Tree(rootPid))
        {
            string[]? fields = StatFields(pid);
            if (fields is not null)
            {
                // Fields after the ")": index 11 = utime, 12 = stime (proc(5) fields 14 and 15).
                total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
        }

        return total;
    }

    /// <summary>Sum of VmRSS over the tree (nginx and HAProxy masters and workers), in MiB.</summary>
    public static double RssMiB(int rootPid)
    {
        double kib = 0;
        foreach (int pid in Tree(rootPid)) kib += VmRssKiB(pid);
        return kib / 1024;
    }

    /// <summary>VmRSS of this process alone (its children are the upstream and the terminators under test), in MiB.</summary>
    public static double OwnRssMiB() => VmRssKiB(Environment.ProcessId) / 1024;

    private static double VmRssKiB(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return double.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private static List<int> Tree(int rootPid)
    {
        var result = new List<int> { rootPid };
        for (int i = 0; i < result.Count; i++)
        {
            string children = $"/proc/{result[i]}/task/{result[i]}/children";
            if (File.Exists(children))
            {
                foreach (string child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    result.Add(int.Parse(child, CultureInfo.InvariantCulture));
                }
            }
        }

        return result;
    }

    private static string[]? StatFields(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
