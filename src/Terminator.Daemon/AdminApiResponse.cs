namespace Terminator.Daemon;

/// <summary>What an admin API call returned: the status, the body when it parsed as <typeparamref name="T"/>, else the
/// API's error line (or a description of a body that was not the API's).</summary>
internal sealed record AdminApiResponse<T>(int Status, T? Value, string? Error) where T : class;
