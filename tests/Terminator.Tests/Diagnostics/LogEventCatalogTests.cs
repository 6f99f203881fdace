using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Terminator.Certificates;
using Terminator.Daemon;
using Terminator.Diagnostics;

namespace Terminator.Tests.Diagnostics;

/// <summary>Every log event of the library and the daemon: its id inside its area's documented block, unique, and
/// field names that do not collide with the JSON format's own.</summary>
public sealed partial class LogEventCatalogTests
{
    // The blocks TerminatorLog documents (and the README's "Logs" section).
    private static readonly Dictionary<string, int> BlockStart = new(StringComparer.Ordinal)
    {
        ["DaemonLog"] = 100,
        ["HostingLog"] = 200,
        ["ListenerLog"] = 300,
        ["TlsLog"] = 400,
        ["ProxyLog"] = 500,
        ["CertificateLog"] = 600,
        ["StoreLog"] = 700,
        ["AcmeLog"] = 800,
        ["DomainsLog"] = 900,
        ["AdminLog"] = 1000,
        ["ProxyProtocolLog"] = 1200,
        ["AccessLogEvents"] = 1300,
        ["CacheLog"] = 1400,
        ["StoreIndexLog"] = 1600,
        ["FleetLog"] = 1700,
    };

    [Fact]
    public void EveryEvent_HasAnIdInItsAreaBlock_UniqueAcrossTheProduct()
    {
        var seen = new Dictionary<int, string>();
        foreach ((MethodInfo method, LoggerMessageAttribute attribute) in Events())
        {
            string area = method.DeclaringType!.Name;
            Assert.True(BlockStart.TryGetValue(area, out int start), $"{area} has no documented event-id block");
            string name = $"{area}.{method.Name}";
            Assert.InRange(attribute.EventId, start, start + 99);
            Assert.True(seen.TryAdd(attribute.EventId, name), $"event id {attribute.EventId}: {name} and {seen.GetValueOrDefault(attribute.EventId)}");
        }

        Assert.True(seen.Count >= 50, $"only {seen.Count} events found: is the scan still seeing the generated methods?");
        Assert.False(seen.ContainsKey(LogSink.LinesDroppedEvent.Id)); // the sink's own block, 1100-1199
    }

    [Fact]
    public void EveryEvent_FieldNamesLeaveTheJsonFormatsOwnNamesAlone()
    {
        foreach ((MethodInfo method, LoggerMessageAttribute attribute) in Events())
        {
            foreach (Match placeholder in Placeholder().Matches(attribute.Message))
            {
                string field = placeholder.Groups["name"].Value;
                bool isSuppression = field == "suppressed" && method.GetParameters().Any(p => p.ParameterType == typeof(LogSuppression));
                Assert.True(isSuppression || !LogLineFormatter.ReservedFieldNames.Contains(field),
                    $"{method.DeclaringType!.Name}.{method.Name}: field '{field}' collides with a fixed JSON field");
                Assert.True(char.IsLower(field[0]), $"{method.DeclaringType!.Name}.{method.Name}: field '{field}' is not camelCase");
            }
        }
    }

    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> Events()
    {
        foreach (Assembly assembly in new[] { typeof(CertificateMap).Assembly, typeof(DaemonLog).Assembly })
        {
            foreach (Type type in assembly.GetTypes())
            {
                foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                    {
                        yield return (method, attribute);
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"\{(?<name>[^}:]+)(:[^}]*)?\}")]
    private static partial Regex Placeholder();
}
