using System.Globalization;
using System.Text;

namespace Terminator.Diagnostics;

/// <summary>
/// Writes collected instruments in the Prometheus text exposition format 0.0.4: per metric a <c># HELP</c> and a
/// <c># TYPE</c> line, then one sample line per series; counters end in <c>_total</c>, histograms expand to cumulative
/// <c>_bucket{le="..."}</c> lines (ending with <c>le="+Inf"</c>), <c>_sum</c> and <c>_count</c>.
/// </summary>
/// <remarks>
/// Names follow the OpenTelemetry-to-Prometheus convention: dots become underscores, the unit becomes a suffix
/// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>; annotations in braces such as <c>{connection}</c> add
/// nothing), so the instrument <c>terminator.tls.handshake.duration</c> (unit <c>s</c>) is exposed as
/// <c>terminator_tls_handshake_duration_seconds</c>. Label values escape backslash, double quote and line feed; HELP
/// text escapes backslash and line feed (the format's only escapes). Runs per scrape, never on a request path.
/// </remarks>
internal static class PrometheusTextFormat
{
    /// <summary>The Content-Type of the exposition (what Prometheus expects for format 0.0.4).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The exposition of <paramref name="metrics"/>, as UTF-8.</summary>
    public static byte[] Write(IReadOnlyList<CollectedMetric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder(8192);
        foreach (CollectedMetric metric in metrics)
        {
            Write(text, metric);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The exposed name of an instrument (before the <c>_bucket</c>/<c>_sum</c>/<c>_count</c> of a histogram).</summary>
    public static string NameOf(string instrumentName, string? unit, MetricType type)
    {
        var name = new StringBuilder(instrumentName.Length + 16);
        for (int i = 0; i < instrumentName.Length; i++)
        {
            char c = instrumentName[i];
            bool allowed = char.IsAsciiLetter(c) || c is '_' or ':' || (i > 0 && char.IsAsciiDigit(c));
            name.Append(allowed ? c : '_');
        }

        string suffix = unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        AppendSuffix(name, suffix);
        if (type == MetricType.Counter)
        {
            AppendSuffix(name, "_total");
        }

        return name.ToString();
    }

    private static void AppendSuffix(StringBuilder name, string suffix)
    {
        if (suffix.Length > 0 && !name.ToString().EndsWith(suffix, StringComparison.Ordinal))
        {
            name.Append(suffix);
        }
    }

    private static void Write(StringBuilder text, CollectedMetric metric)
    {
        string name = NameOf(metric.Name, metric.Unit, metric.Type);
        text.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(text, metric.Description ?? metric.Name, escapeQuote: false);
        text.Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(metric.Type switch
        {
            MetricType.Counter => "counter",
            MetricType.Histogram => "histogram",
            _ => "gauge",
        }).Append('\n');

        foreach (MetricPoint point in metric.Points)
        {
            if (point.Histogram is { } histogram)
            {
                WriteHistogram(text, name, point.Tags, histogram);
            }
            else
            {
                AppendSample(text, name, point.Tags, extraName: null, extraValue: null, point.Value);
            }
        }
    }

    private static void WriteHistogram(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> tags, HistogramSnapshot histogram)
    {
        string bucket = name + "_bucket";
        long cumulative = 0;
        for (int i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += histogram.Counts[i];
            AppendSample(text, bucket, tags, "le", FormatValue(histogram.Bounds[i]), cumulative);
        }

        cumulative += histogram.Counts[^1];
        AppendSample(text, bucket, tags, "le", "+Inf", cumulative);
        AppendSample(text, name + "_sum", tags, extraName: null, extraValue: null, histogram.Sum);
        AppendSample(text, name + "_count", tags, extraName: null, extraValue: null, cumulative);
    }

    private static void AppendSample(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> tags, string? extraName, string? extraValue, double value)
    {
        text.Append(name);
        if (tags.Count > 0 || extraName is not null)
        {
            text.Append('{');
            bool first = true;
            foreach (KeyValuePair<string, string> tag in tags)
            {
                AppendLabel(text, tag.Key, tag.Value, ref first);
            }

            if (extraName is not null)
            {
                AppendLabel(text, extraName, extraValue!, ref first);
            }

            text.Append('}');
        }

        text.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    private static void AppendLabel(StringBuilder text, string name, string value, ref bool first)
    {
        if (!first)
        {
            text.Append(',');
        }

        first = false;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            text.Append(char.IsAsciiLetter(c) || c == '_' || (i > 0 && char.IsAsciiDigit(c)) ? c : '_');
        }

        text.Append("=\"");
        AppendEscaped(text, value, escapeQuote: true);
        text.Append('"');
    }

    private static void AppendEscaped(StringBuilder text, string value, bool escapeQuote)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case '\n':
                    text.Append(@"\n");
                    break;
                case '"' when escapeQuote:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }

    /// <summary>Whole numbers without a fraction ("12", not "12.0"), others as the shortest round-trip form; +Inf, -Inf, NaN.</summary>
    internal static string FormatValue(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        return value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
    }
}
