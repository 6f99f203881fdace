namespace Terminator.Daemon;

/// <summary>
/// Entry point. <c>terminator</c> runs the daemon from TERMINATOR_* variables; <c>terminator demo</c> runs the embedded
/// default; <c>terminator certs ...</c> manages the encrypted store; <c>terminator --version</c> says what is running;
/// <c>terminator --help</c> lists them and every
/// variable (<see cref="TerminatorCommandLine"/>). Exit codes: 0 clean stop, 1 runtime failure, 2 bad configuration or
/// usage.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // --version makes no connection and must answer even where OpenSSL is missing or refuses the policy (it reports
        // which OpenSSL the runtime loaded, or why none).
        if (args is ["--version"] or ["version"])
        {
            return VersionCommand.Write(Console.Out);
        }

        // OpenSSL's TLS 1.2 cipher list for this process (ECDHE + AEAD only, see OpenSslCipherPolicy): it only takes effect
        // if loaded before the process's first TLS handshake, so it comes before anything else.
        try
        {
            Terminator.Interop.OpenSslCipherPolicy.Apply();
        }
        catch (Exception ex) when (ex is InvalidOperationException or DllNotFoundException or EntryPointNotFoundException)
        {
            // No OpenSSL 3, or one that refuses the policy: nothing TLS can run safely; one line, not a stack trace.
            await Console.Error.WriteLineAsync($"terminator: OpenSSL: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        // Run socket continuations on the epoll thread instead of hopping to the thread pool: a proxy does little work
        // per event, and the hop was measured at ~25% of keep-alive CPU per request (217 → 166 µs on one pinned core).
        // Read once, when the first socket is created, so it must be set before anything touches a socket. An operator
        // can still override it in the environment.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        return await TerminatorCommandLine.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
    }
}
