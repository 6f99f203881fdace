using System.Net;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Terminator.Configuration;

namespace Terminator.Daemon;

/// <summary>
/// The command line: <c>terminator</c> (no arguments: the daemon, configured by the environment alone),
/// <c>terminator demo</c>, <c>terminator certs import|list|show|remove</c>, <c>terminator domains add|list|show|remove</c>,
/// <c>terminator db migrate</c>,
/// <c>terminator version</c> (and <c>--version</c>), <c>--help</c> at every level. A usage error
/// is reported on stderr, one line per problem naming the command and its <c>--help</c>, with exit code 2 (the daemon's
/// code for configuration errors) rather than System.CommandLine's default 1, which the certs commands use for
/// "nothing matched".
/// </summary>
internal static class TerminatorCommandLine
{
    /// <summary>Exit code of a usage error, as for a configuration error.</summary>
    public const int UsageError = 2;

    /// <summary>Parses <paramref name="args"/> and runs the command they name.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = Create();
        // No response files: an import path that starts with '@' is a path, not a file of arguments.
        ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is ParseErrorAction)
        {
            // One line: what was typed and not understood matters more than what is missing because of it
            // ("certs lsit" is an unknown word, not a missing command).
            string command = CommandPath(parsed.CommandResult.Command);
            ParseError problem = parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal)))
                ?? parsed.Errors[0];
            await error.WriteLineAsync($"{command}: {problem.Message.TrimEnd('.')} (see '{command} --help')").ConfigureAwait(false);
            return UsageError;
        }

        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // The daemon drains on SIGTERM for up to TERMINATOR_DRAIN_TIMEOUT (ShutdownSignal); System.CommandLine's own
            // handler would cancel it and force an exit after its timeout.
            ProcessTerminationTimeout = null,
            // An unexpected exception stays an unhandled exception (stack trace, non-zero exit), as before.
            EnableDefaultExceptionHandler = false,
        };
        return await parsed.InvokeAsync(invocation).ConfigureAwait(false);
    }

    /// <summary>The whole command tree.</summary>
    internal static RootCommand Create()
    {
        var root = new RootCommand("Terminator: TLS terminator for email tracking domains (SNI certificates, HTTP/1.1 proxy).");
        root.Directives.Clear(); // no [diagram] or [suggest]: nothing but the documented surface
        root.SetAction((_, _) => DaemonCommand.RunAsync());

        var demo = new Command("demo", "Run the embedded default (throwaway CA, sample origin, 127.0.0.1 ports).");
        // For loadtest/ (--break-upstream, upstream-flap): the same demo in front of an upstream it does not own.
        var demoUpstream = new Option<IPEndPoint?>("--upstream")
        {
            Description = "Proxy to this upstream instead of the embedded sample origin (which is then not started).",
            HelpName = "IP:PORT",
            CustomParser = static result => IPEndPoint.TryParse(result.Tokens[0].Value, out IPEndPoint? endPoint) && endPoint.Port != 0
                ? endPoint
                : Fail(result, $"--upstream: '{result.Tokens[0].Value}' is not an IP:port"),
        };
        demo.Options.Add(demoUpstream);
        demo.SetAction((parsed, _) => DemoCommand.RunAsync(parsed.GetValue(demoUpstream)));
        root.Subcommands.Add(demo);

        root.Subcommands.Add(CertsCommand.Create());
        root.Subcommands.Add(DomainsCommand.Create());
        root.Subcommands.Add(DbCommand.Create());

        var version = new Command("version", "Print the version, git commit, .NET runtime and OpenSSL version.");
        version.SetAction(parsed => VersionCommand.Write(parsed.InvocationConfiguration.Output));
        root.Subcommands.Add(version);

        // "terminator help" kept from before System.CommandLine; --help is the documented spelling.
        var help = new Command("help", "Show the help text.") { Hidden = true };
        help.SetAction(parsed =>
        {
            TerminatorEnvironment.WriteHelp(parsed.InvocationConfiguration.Output);
            return 0;
        });
        root.Subcommands.Add(help);

        HelpOption helpOption = root.Options.OfType<HelpOption>().Single();
        helpOption.Action = new TerminatorHelpAction((HelpAction)helpOption.Action!);
        // System.CommandLine's own --version prints the informational version alone; ours says what is running.
        VersionOption versionOption = root.Options.OfType<VersionOption>().Single();
        versionOption.Action = new VersionAction();
        return root;
    }

    private static IPEndPoint? Fail(ArgumentResult result, string message)
    {
        result.AddError(message);
        return null;
    }

    /// <summary>"terminator certs list" for the list command: the words that reach it.</summary>
    internal static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? current = command; current is not null; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(current is RootCommand ? "terminator" : current.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary><c>--version</c>: the same lines as <c>terminator version</c>.</summary>
    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult) => VersionCommand.Write(parseResult.InvocationConfiguration.Output);
    }
}
