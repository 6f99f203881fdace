using System.Diagnostics;

namespace Terminator.LoadTest.Client;

/// <summary>
/// Runs socket continuations on the socket engine's event thread instead of handing each to a thread-pool worker
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, read once by System.Net.Sockets when the first async socket
/// operation starts, so <see cref="Enable"/> must run before any socket is used). A click's connect, handshake
/// flights and response each cost a thread switch less, which on the pinned one-core client is CPU the terminator
/// does not spend (measured in loadtest/README.md, "Client CPU").
/// </summary>
/// <remarks>
/// Only with the OpenSSL engine, whose continuations never block: a blocking continuation would stall every socket
/// of the process. SslStream's certificate path can block (a chain build that downloads an intermediate for a
/// publicly trusted node), so the SslStream engine keeps the default. Child processes (the demo, the daemon, its
/// <c>certs</c> commands) do not inherit the variable when the runner set it (<see cref="KeepOutOf"/>): the target's
/// CPU must be the product's as deployed.
/// </remarks>
internal static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static bool s_setByRunner;

    /// <summary>Turns them on for this process, unless the environment already says either way.</summary>
    public static void Enable()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
            s_setByRunner = true;
        }
    }

    public static void KeepOutOf(ProcessStartInfo child)
    {
        if (s_setByRunner)
        {
            child.Environment.Remove(Variable);
        }
    }
}
