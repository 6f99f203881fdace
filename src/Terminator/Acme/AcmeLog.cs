using Microsoft.Extensions.Logging;

namespace Terminator.Acme;

/// <summary>The ACME client's and the certificate manager's log lines (event ids 800-899).</summary>
internal static partial class AcmeLog
{
    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "order {order} for {names} created ({status})")]
    public static partial void OrderCreated(ILogger logger, Uri order, IReadOnlyList<string> names, string? status);

    [LoggerMessage(EventId = 801, Level = LogLevel.Information, Message = "order {order} for {names} issued, not after {notAfter:u}")]
    public static partial void OrderIssued(ILogger logger, Uri order, IReadOnlyList<string> names, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "{count} managed domains scheduled; next work {nextWork}; directory {directory}")]
    public static partial void Scheduled(ILogger logger, int count, string nextWork, Uri directory);

    [LoggerMessage(EventId = 803, Level = LogLevel.Error, Message = "{name}: unexpected error")]
    public static partial void UnexpectedError(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 804, Level = LogLevel.Debug, Message = "presenting {challenge}")]
    public static partial void PresentingChallenge(ILogger logger, AcmeChallengeResponse challenge);

    [LoggerMessage(EventId = 805, Level = LogLevel.Debug, Message = "{challenge} valid")]
    public static partial void ChallengeValid(ILogger logger, AcmeChallengeResponse challenge);

    [LoggerMessage(EventId = 806, Level = LogLevel.Warning, Message = "cleanup of {challenge} failed: {reason}")]
    public static partial void ChallengeCleanupFailed(ILogger logger, AcmeChallengeResponse challenge, string reason);

    [LoggerMessage(EventId = 807, Level = LogLevel.Information, Message = "the account remembered for {directory} is unknown to the CA; registering the key again")]
    public static partial void AccountUnknown(ILogger logger, Uri directory);

    [LoggerMessage(EventId = 808, Level = LogLevel.Information, Message = "account {account} at {directory} ({registration}, key {thumbprint})")]
    public static partial void Account(ILogger logger, Uri account, Uri directory, string registration, string thumbprint);

    [LoggerMessage(EventId = 809, Level = LogLevel.Information, Message = "{name}: certificate {outcome} in {seconds:0.0} s, valid until {notAfter:u}, renewal from {renewAt:u}")]
    public static partial void CertificateObtained(ILogger logger, string name, string outcome, double seconds, DateTimeOffset? notAfter, DateTimeOffset? renewAt);

    [LoggerMessage(EventId = 810, Level = LogLevel.Error, Message = "{name}: renewal failing and the certificate expires {expiry:u}: {reason} (attempt {attempts}; next {retry:u})")]
    public static partial void RenewalFailingNearExpiry(ILogger logger, string name, DateTimeOffset expiry, string reason, int attempts, DateTimeOffset retry);

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "{name}: {reason} (attempt {attempts}; next {retry:u})")]
    public static partial void OrderFailed(ILogger logger, string name, string reason, int attempts, DateTimeOffset retry);

    [LoggerMessage(EventId = 812, Level = LogLevel.Debug, Message = "{name}: {reason}; next check {retry:u}")]
    public static partial void NotReady(ILogger logger, string name, string reason, DateTimeOffset retry);

    [LoggerMessage(EventId = 813, Level = LogLevel.Debug, Message = "renewal information unavailable ({reason}); renewing by lifetime")]
    public static partial void RenewalInfoUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 814, Level = LogLevel.Information, Message = "{name}: not due by the fleet's shared schedule ({state}, next attempt {next:u}, last issued by {issuedBy}); nothing ordered here")]
    public static partial void NotDueInFleet(ILogger logger, string name, string state, DateTimeOffset next, string issuedBy);
}
