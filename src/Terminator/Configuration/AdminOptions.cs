using System.Net;

namespace Terminator.Configuration;

/// <summary>
/// What <c>terminator domains</c> needs from the environment to reach the daemon's admin API: its address and token, and
/// nothing else of the daemon's (the CLI may run where the daemon's folders do not exist). Build it with
/// <see cref="TerminatorEnvironment.TryLoadAdmin"/>.
/// </summary>
/// <param name="EndPoint">The admin listener (<c>TERMINATOR_ADMIN_LISTEN</c>); null when it is <c>off</c>.</param>
/// <param name="Token">The token (<c>TERMINATOR_ADMIN_TOKEN</c> or <c>TERMINATOR_ADMIN_TOKEN_FILE</c>); null when neither is set.</param>
/// <param name="TokenFile">The token file, when the token came from one (its permissions deserve a warning).</param>
internal sealed record AdminOptions(IPEndPoint? EndPoint, AdminToken? Token, string? TokenFile);
