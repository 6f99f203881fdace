using System.Globalization;
using System.Text;

namespace Terminator.Tests.Diagnostics;

/// <summary>One sample line of a Prometheus text exposition: its name, its labels (unescaped) and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4 for tests: every line must be a <c># HELP</c>, a <c># TYPE</c>
/// or a sample (<c>name{label="value",...} number</c>); label values are unescaped (<c>\\</c>, <c>\"</c>, <c>\n</c>); a
/// family's samples must follow its TYPE line; anything else throws, so a malformed exposition fails the test.
/// </summary>
public sealed class PrometheusExposition
{
    private PrometheusExposition(Dictionary<string, string> types, Dictionary<string, string> help, List<PrometheusSample> samples)
    {
        Types = types;
        Help = help;
        Samples = samples;
    }

    /// <summary>Metric family → counter, gauge, histogram, ...</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Metric family → HELP text (unescaped).</summary>
    public IReadOnlyDictionary<string, string> Help { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public static PrometheusExposition Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        string? family = null;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                string rest = line["# HELP ".Length..];
                int space = rest.IndexOf(' ', StringComparison.Ordinal);
                string name = space < 0 ? rest : rest[..space];
                Assert.True(help.TryAdd(name, space < 0 ? "" : Unescape(rest[(space + 1)..], quoted: false)), $"second HELP for {name}");
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(types.TryAdd(parts[2], parts[3]), $"second TYPE for {parts[2]}");
                family = parts[2];
                continue;
            }

            Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
            PrometheusSample sample = ParseSample(line);
            Assert.True(family is not null && BelongsTo(sample.Name, family, types[family]), $"sample {sample.Name} outside its family (after {family})");
            samples.Add(sample);
        }

        return new PrometheusExposition(types, help, samples);
    }

    /// <summary>The value of the one sample named <paramref name="name"/> with exactly these labels.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        List<PrometheusSample> found = Samples.Where(s => s.Name == name && s.Labels.Count == labels.Length
            && labels.All(l => s.Labels.TryGetValue(l.Name, out string? v) && v == l.Value)).ToList();
        Assert.True(found.Count == 1, $"{found.Count} samples named {name} with labels {string.Join(',', labels.Select(l => $"{l.Name}={l.Value}"))}");
        return found[0].Value;
    }

    /// <summary>Every sample named <paramref name="name"/>.</summary>
    public IReadOnlyList<PrometheusSample> All(string name) => Samples.Where(s => s.Name == name).ToList();

    /// <summary>The sum over every sample named <paramref name="name"/> (all label sets).</summary>
    public double Sum(string name) => All(name).Sum(s => s.Value);

    /// <summary>A histogram's buckets in exposition order (le, cumulative count), for the series without other labels.</summary>
    public IReadOnlyList<(string Le, double Count)> Buckets(string family) =>
        All(family + "_bucket").Where(s => s.Labels.Count == 1).Select(s => (s.Labels["le"], s.Value)).ToList();

    private static bool BelongsTo(string sample, string family, string type) =>
        sample == family
        || (type == "histogram" && (sample == family + "_bucket" || sample == family + "_sum" || sample == family + "_count"));

    private static PrometheusSample ParseSample(string line)
    {
        int at = 0;
        while (at < line.Length && (char.IsAsciiLetterOrDigit(line[at]) || line[at] is '_' or ':'))
        {
            at++;
        }

        string name = line[..at];
        Assert.False(name.Length == 0 || char.IsAsciiDigit(name[0]), $"bad metric name in: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                int nameStart = at;
                while (char.IsAsciiLetterOrDigit(line[at]) || line[at] == '_')
                {
                    at++;
                }

                string label = line[nameStart..at];
                Assert.True(label.Length > 0 && line[at] == '=' && line[at + 1] == '"', $"bad label in: {line}");
                at += 2;
                var value = new StringBuilder();
                while (line[at] != '"')
                {
                    if (line[at] == '\\')
                    {
                        value.Append(line[at + 1] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            char other => throw new FormatException($"bad escape \\{other} in: {line}"),
                        });
                        at += 2;
                        continue;
                    }

                    value.Append(line[at++]);
                }

                at++;
                Assert.True(labels.TryAdd(label, value.ToString()), $"label {label} twice in: {line}");
                if (line[at] == ',')
                {
                    at++;
                }
            }

            at++;
        }

        Assert.True(at < line.Length && line[at] == ' ', $"no value in: {line}");
        string number = line[(at + 1)..];
        double parsed = number switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, parsed);
    }

    private static string Unescape(string text, bool quoted)
    {
        var value = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                value.Append(text[i]);
                continue;
            }

            char next = text[++i];
            value.Append(next switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when quoted => '"',
                _ => throw new FormatException($"bad escape \\{next} in: {text}"),
            });
        }

        return value.ToString();
    }
}
