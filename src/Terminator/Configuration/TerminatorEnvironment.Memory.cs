namespace Terminator.Configuration;

/// <summary>The memory variables (<c>TERMINATOR_MEMORY_TRIM</c>).</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] MemorySpecs =>
    [
        new(new("TERMINATOR_MEMORY_TRIM", "on", "Give the C heap's free memory (OpenSSL's, kept by glibc malloc after a load peak) back to the kernel with malloc_trim: after certificate loads, and on a 10 s check when the open connections fell to half their peak or a burst of certificate loads and evictions ended. 'off' leaves RSS at its peak. glibc only; a no-op elsewhere."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                bool? on = v.ToLowerInvariant() switch
                {
                    "on" => true,
                    "off" => false,
                    _ => null,
                };
                u = on is { } trim ? o with { MemoryTrim = trim } : o;
                return on is null ? $"'{v}' is not on or off" : null;
            }),
    ];
}
