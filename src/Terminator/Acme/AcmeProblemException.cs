using System.Text;
using Terminator.Acme.Wire;

namespace Terminator.Acme;

/// <summary>
/// The CA answered with a problem document (RFC 7807, RFC 8555 §6.7), or a challenge or order it was validating went
/// invalid with one. The message is the type and detail, then each subproblem, e.g.
/// <c>urn:ietf:params:acme:error:unauthorized: Invalid response from http://a.example/.well-known/acme-challenge/x: 404</c>.
/// <c>rateLimited</c> (§6.7) carries the CA's <see cref="AcmeException.RetryAfter"/>.
/// </summary>
internal sealed class AcmeProblemException : AcmeException
{
    /// <summary>The ACME error namespace (RFC 8555 §6.7); <see cref="Type"/> values below start with it.</summary>
    public const string ErrorNamespace = "urn:ietf:params:acme:error:";

    public const string BadNonce = ErrorNamespace + "badNonce";
    public const string RateLimited = ErrorNamespace + "rateLimited";
    public const string AccountDoesNotExist = ErrorNamespace + "accountDoesNotExist";
    public const string Unauthorized = ErrorNamespace + "unauthorized";

    public AcmeProblemException(string type, string detail, int? status, IReadOnlyList<AcmeSubproblem> subproblems,
        TimeSpan? retryAfter = null, string? context = null)
        : base(Describe(type, detail, subproblems, retryAfter, context))
    {
        RetryAfter = retryAfter;
        Type = type;
        Detail = detail;
        Status = status;
        Subproblems = subproblems;
    }

    /// <summary>The problem type URI (RFC 7807 §3.1); <c>about:blank</c> when the CA sent none.</summary>
    public string Type { get; }

    /// <summary>The CA's explanation for a person, or empty.</summary>
    public string Detail { get; }

    /// <summary>The HTTP status of the response that carried the problem; null for a challenge's or order's error.</summary>
    public int? Status { get; }

    /// <summary>Per-identifier problems of a compound error (RFC 8555 §6.7.1); empty when there are none.</summary>
    public IReadOnlyList<AcmeSubproblem> Subproblems { get; }

    /// <summary>True when <see cref="Type"/> is the given ACME error, e.g. <c>"rateLimited"</c>.</summary>
    public bool Is(string acmeError) => Type == ErrorNamespace + acmeError || Type == acmeError;

    internal static AcmeProblemException FromDocument(AcmeProblemDocument document, int? status, TimeSpan? retryAfter, string? context = null)
    {
        var subproblems = new List<AcmeSubproblem>();
        foreach (AcmeProblemDocument sub in document.Subproblems ?? [])
        {
            subproblems.Add(new AcmeSubproblem(sub.Type ?? "about:blank", sub.Detail ?? string.Empty, sub.Identifier?.Value));
        }

        return new AcmeProblemException(document.Type ?? "about:blank", document.Detail ?? string.Empty, status ?? document.Status,
            subproblems, retryAfter, context);
    }

    private static string Describe(string type, string detail, IReadOnlyList<AcmeSubproblem> subproblems, TimeSpan? retryAfter, string? context)
    {
        var message = new StringBuilder();
        if (context is not null)
        {
            message.Append(context).Append(": ");
        }

        message.Append(type);
        if (detail.Length > 0)
        {
            message.Append(": ").Append(detail);
        }

        foreach (AcmeSubproblem sub in subproblems)
        {
            message.Append("; ").Append(sub);
        }

        if (retryAfter is { } wait)
        {
            message.Append(System.Globalization.CultureInfo.InvariantCulture, $" (retry after {wait.TotalSeconds:0}s)");
        }

        return message.ToString();
    }
}
