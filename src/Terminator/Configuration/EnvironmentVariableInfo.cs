namespace Terminator.Configuration;

/// <summary>One documented <c>TERMINATOR_*</c> variable: drives <c>--help</c> and the README table.</summary>
/// <param name="Name">The exact (case-sensitive) variable name.</param>
/// <param name="Default">The value used when the variable is unset or empty; empty when there is no default.</param>
/// <param name="Description">One sentence on what the value means and which values are accepted.</param>
internal sealed record EnvironmentVariableInfo(string Name, string Default, string Description);
