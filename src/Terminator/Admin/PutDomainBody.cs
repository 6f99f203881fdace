using System.Text.Json.Serialization;

namespace Terminator.Admin;

/// <summary>
/// The optional body of <c>PUT /v1/domains/{name}</c>: <c>{"keyType":"ecdsa|rsa|both"}</c>. An unknown field is an error,
/// so a misspelt <c>"keytype"</c> is a 400 rather than silently ignored.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record PutDomainBody(string? KeyType);
