using System.Text.Json.Serialization;

namespace Terminator.Admin;

/// <summary>
/// Source-generated JSON for the admin API (no reflection: the daemon is trimmed and AOT-compatible). camelCase names;
/// null values are written (a client sees <c>"notAfter": null</c> rather than a missing field). The CLI reads the
/// responses with the same context, ignoring fields it does not know (a newer server may add some).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DomainResource))]
[JsonSerializable(typeof(DomainListResource))]
[JsonSerializable(typeof(DomainRemovedResource))]
[JsonSerializable(typeof(ErrorResource))]
[JsonSerializable(typeof(FleetResource))]
[JsonSerializable(typeof(PutDomainBody))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
