using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Terminator.Configuration;

namespace Terminator.Daemon;

/// <summary>
/// <c>--help</c>: for <c>terminator</c> itself the full text with every variable (<see cref="TerminatorEnvironment.WriteHelp"/>);
/// for the certs commands System.CommandLine's usage, arguments and options followed by what they share (the store
/// variables, the duration syntax and the exit codes, <see cref="CertsCommand.HelpFooter"/>), and for the domains commands
/// theirs (<see cref="DomainsCommand.HelpFooter"/>).
/// </summary>
internal sealed class TerminatorHelpAction(HelpAction standard) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        TextWriter output = parseResult.InvocationConfiguration.Output;
        Command command = parseResult.CommandResult.Command;
        if (command is RootCommand)
        {
            TerminatorEnvironment.WriteHelp(output);
            return 0;
        }

        int code = standard.Invoke(parseResult);
        if (TerminatorCommandLine.CommandPath(command).StartsWith("terminator certs", StringComparison.Ordinal))
        {
            output.WriteLine(CertsCommand.HelpFooter);
        }
        else if (TerminatorCommandLine.CommandPath(command).StartsWith("terminator domains", StringComparison.Ordinal))
        {
            output.WriteLine(DomainsCommand.HelpFooter);
        }

        return code;
    }
}
