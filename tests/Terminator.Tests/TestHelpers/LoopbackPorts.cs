using System.Net;
using System.Net.Sockets;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Loopback ports for processes that must be told their port before they start (Pebble, HAProxy, the daemon restarted on
/// the same ports). Bind-to-0-and-close hands out a port from the kernel's ephemeral range, where any other test's
/// outgoing connection or listener can take it before the process binds it ("Address already in use", seen under a
/// parallel run). These come from below that range (Linux: 32768-60999), which only explicit binds use, and never twice
/// in one test run.
/// </summary>
internal static class LoopbackPorts
{
    private const int First = 20_000;
    private const int Last = 32_000;
    private static readonly HashSet<int> s_handedOut = [];

    /// <summary>A port free for TCP (and for UDP too when <paramref name="udp"/>) on 127.0.0.1 a moment ago.</summary>
    public static int Reserve(bool udp = false)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int port = Random.Shared.Next(First, Last);
            lock (s_handedOut)
            {
                if (!s_handedOut.Add(port))
                {
                    continue;
                }
            }

            if (IsFree(port, SocketType.Stream, ProtocolType.Tcp) && (!udp || IsFree(port, SocketType.Dgram, ProtocolType.Udp)))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }

    private static bool IsFree(int port, SocketType type, ProtocolType protocol)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, type, protocol);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
