using Terminator.Configuration;

namespace Terminator.Daemon;

/// <summary>
/// Entry point. <c>terminator</c> runs the daemon from TERMINATOR_* variables; <c>terminator demo</c> runs the embedded
/// default; <c>terminator --help</c> lists both and every variable. Exit codes: 0 clean stop, 1 runtime failure,
/// 2 bad configuration or usage.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // OpenSSL's TLS 1.2 cipher list for this process (ECDHE + AEAD only, see OpenSslCipherPolicy): it only takes effect
        // if loaded before the process's first TLS handshake, so it comes before anything else.
        Terminator.Interop.OpenSslCipherPolicy.Apply();

        // Run socket continuations on the epoll thread instead of hopping to the thread pool: a proxy does little work
        // per event, and the hop was measured at ~25% of keep-alive CPU per request (217 → 166 µs on one pinned core).
        // Read once, when the first socket is created, so it must be set before anything touches a socket. An operator
        // can still override it in the environment.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        if (args.Length == 0)
        {
            return await DaemonCommand.RunAsync().ConfigureAwait(false);
        }

        switch (args[0])
        {
            case "--help" or "-h" or "help":
                TerminatorEnvironment.WriteHelp(Console.Out);
                return 0;
            case "certs":
                return await CertsCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
            case "demo" when args.Length == 1:
                return await DemoCommand.RunAsync().ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync($"terminator: unknown command '{string.Join(' ', args)}' (see terminator --help)").ConfigureAwait(false);
                return 2;
        }
    }
}
