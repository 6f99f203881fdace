namespace Terminator.Admin;

/// <summary>Every error response's body: one line saying what is wrong.</summary>
internal sealed record ErrorResource(string Error);
