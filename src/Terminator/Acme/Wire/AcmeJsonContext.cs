using System.Text.Json.Serialization;

namespace Terminator.Acme.Wire;

/// <summary>
/// Source-generated (de)serialisers for ACME's JSON (no reflection: the library is AOT-compatible). Members are
/// camelCase as in RFC 8555; null members are omitted, which ACME servers expect of optional fields.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(AcmeJwsDocument))]
[JsonSerializable(typeof(AcmeDirectoryDocument))]
[JsonSerializable(typeof(AcmeProblemDocument))]
[JsonSerializable(typeof(AcmeAccountDocument))]
[JsonSerializable(typeof(AcmeNewAccountRequest))]
[JsonSerializable(typeof(AcmeNewOrderRequest))]
[JsonSerializable(typeof(AcmeOrderDocument))]
[JsonSerializable(typeof(AcmeAuthorizationDocument))]
[JsonSerializable(typeof(AcmeChallengeDocument))]
[JsonSerializable(typeof(AcmeFinalizeRequest))]
[JsonSerializable(typeof(AcmeRenewalInfoDocument))]
internal sealed partial class AcmeJsonContext : JsonSerializerContext;
