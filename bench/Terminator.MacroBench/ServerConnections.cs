using System.Globalization;

namespace Terminator.MacroBench;

/// <summary>
/// Established TCP connections whose local end is 127.0.0.1:port, from /proc/net/tcp: the connections the terminator
/// under test holds (the client's ends have the port as their remote end), whatever the terminator itself reports.
/// </summary>
internal static class ServerConnections
{
    public static int Established(int port)
    {
        string local = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        int count = 0;
        foreach (string line in File.ReadLines("/proc/net/tcp"))
        {
            // "  sl  local_address rem_address   st ...": e.g. "   0: 0100007F:4BF3 0100007F:A2C4 01 ..."
            string[] fields = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 4 && fields[1].EndsWith(local, StringComparison.Ordinal) && fields[3] == "01") count++;
        }

        return count;
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until the terminator holds at most <paramref name="atMost"/>
    /// connections: after the client closed its idle connections, so the next step does not start while the terminator is
    /// still tearing thousands of them down.</summary>
    public static async Task WaitForAtMostAsync(int port, int atMost, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        while (Established(port) > atMost && !timeout.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
        }
    }
}
