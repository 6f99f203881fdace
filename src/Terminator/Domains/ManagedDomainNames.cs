using System.Diagnostics.CodeAnalysis;

namespace Terminator.Domains;

/// <summary>The wire spellings of <see cref="ManagedDomainState"/> and <see cref="ManagedKeyTypes"/> (API, CLI, logs).</summary>
internal static class ManagedDomainNames
{
    /// <summary>"pending", "valid", "renewing" or "failed".</summary>
    public static string Format(ManagedDomainState state) => state switch
    {
        ManagedDomainState.Pending => "pending",
        ManagedDomainState.Valid => "valid",
        ManagedDomainState.Renewing => "renewing",
        ManagedDomainState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>"ecdsa", "rsa" or "both".</summary>
    public static string Format(ManagedKeyTypes keyTypes) => keyTypes switch
    {
        ManagedKeyTypes.Ecdsa => "ecdsa",
        ManagedKeyTypes.Rsa => "rsa",
        ManagedKeyTypes.Both => "both",
        _ => throw new ArgumentOutOfRangeException(nameof(keyTypes), keyTypes, null),
    };

    /// <summary>Parses a state name (ASCII case ignored).</summary>
    public static bool TryParseState(string? text, [NotNullWhen(true)] out ManagedDomainState? state)
    {
        state = text?.ToLowerInvariant() switch
        {
            "pending" => ManagedDomainState.Pending,
            "valid" => ManagedDomainState.Valid,
            "renewing" => ManagedDomainState.Renewing,
            "failed" => ManagedDomainState.Failed,
            _ => null,
        };
        return state is not null;
    }

    /// <summary>Parses a key type setting (ASCII case ignored).</summary>
    public static bool TryParseKeyTypes(string? text, out ManagedKeyTypes keyTypes)
    {
        keyTypes = text?.ToLowerInvariant() switch
        {
            "ecdsa" => ManagedKeyTypes.Ecdsa,
            "rsa" => ManagedKeyTypes.Rsa,
            "both" => ManagedKeyTypes.Both,
            _ => ManagedKeyTypes.None,
        };
        return keyTypes != ManagedKeyTypes.None;
    }

    /// <summary>What a state filter may be, for error messages.</summary>
    public const string StateChoices = "pending, valid, renewing or failed";

    /// <summary>What a key type may be, for error messages.</summary>
    public const string KeyTypeChoices = "ecdsa, rsa or both";
}
