using System.Diagnostics.Metrics;
using System.Text;
using Terminator.Diagnostics;

namespace Terminator.Tests.Diagnostics;

public sealed class PrometheusTextFormatTests
{
    private static string Scrape(Meter meter)
    {
        using var collector = new MeterCollector(meter);
        return Encoding.UTF8.GetString(PrometheusTextFormat.Write(collector.Collect()));
    }

    [Fact]
    public void Write_LabelValuesAndHelp_AreEscaped_AndReadBackUnchanged()
    {
        const string nasty = "a\"b\\c\nd";
        using var meter = new Meter("escape-test");
        meter.CreateObservableGauge("test.nasty", () => new Measurement<long>(7, new KeyValuePair<string, object?>("path", nasty)), "{thing}",
            "help with a \\ backslash\nand a second line");

        string text = Scrape(meter);

        Assert.Contains("# HELP test_nasty help with a \\\\ backslash\\nand a second line\n", text, StringComparison.Ordinal);
        Assert.Contains("test_nasty{path=\"a\\\"b\\\\c\\nd\"} 7\n", text, StringComparison.Ordinal);
        PrometheusExposition parsed = PrometheusExposition.Parse(text);
        Assert.Equal(7, parsed.Value("test_nasty", ("path", nasty)));
        Assert.Equal("help with a \\ backslash\nand a second line", parsed.Help["test_nasty"]);
        Assert.Equal("gauge", parsed.Types["test_nasty"]);
    }

    [Fact]
    public void Write_NamesCountersWithTotal_UnitsAsSuffix_InvalidCharactersAsUnderscore()
    {
        using var meter = new Meter("naming-test");
        meter.CreateObservableCounter("test.requests", () => 3L, "{request}", "requests");
        meter.CreateObservableCounter("test.already_total", () => 1L, null, "no double suffix");
        meter.CreateObservableUpDownCounter("test.open-connections", () => 2L, "{connection}", "dash");
        meter.CreateHistogram<double>("test.wait", "s", "a duration");
        meter.CreateObservableGauge("test.size", () => 5L, "By", "bytes");

        PrometheusExposition parsed = PrometheusExposition.Parse(Scrape(meter));

        Assert.Equal("counter", parsed.Types["test_requests_total"]);
        Assert.Equal(3, parsed.Value("test_requests_total"));
        Assert.Equal(1, parsed.Value("test_already_total"));
        Assert.Equal(2, parsed.Value("test_open_connections"));
        Assert.Equal("histogram", parsed.Types["test_wait_seconds"]);
        Assert.Equal(0, parsed.Value("test_wait_seconds_count"));
        Assert.Equal(5, parsed.Value("test_size_bytes"));
    }

    [Fact]
    public void Histogram_BucketsAreCumulative_BoundsInclusive_CountIsTheInfBucket()
    {
        using var meter = new Meter("histogram-test");
        Histogram<double> histogram = meter.CreateHistogram("test.latency", "s", "latency", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5] });
        using var collector = new MeterCollector(meter);
        foreach (double value in new[] { 0.5, 1, 1.5, 7, double.NaN })
        {
            histogram.Record(value);
        }

        PrometheusExposition parsed = PrometheusExposition.Parse(Encoding.UTF8.GetString(PrometheusTextFormat.Write(collector.Collect())));

        Assert.Equal([("1", 2d), ("2", 3d), ("5", 3d), ("+Inf", 4d)], parsed.Buckets("test_latency_seconds"));
        Assert.Equal(4, parsed.Value("test_latency_seconds_count"));
        Assert.Equal(10, parsed.Value("test_latency_seconds_sum"));
    }

    [Fact]
    public void Histogram_WithTags_KeepsASeriesPerTagSet()
    {
        using var meter = new Meter("tagged-histogram-test");
        Histogram<double> histogram = meter.CreateHistogram("test.tagged", "s", "tagged", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [1] });
        using var collector = new MeterCollector(meter);
        histogram.Record(0.5, new KeyValuePair<string, object?>("kind", "a"));
        histogram.Record(2, new KeyValuePair<string, object?>("kind", "a"));
        histogram.Record(0.5, new KeyValuePair<string, object?>("kind", "b"));

        PrometheusExposition parsed = PrometheusExposition.Parse(Encoding.UTF8.GetString(PrometheusTextFormat.Write(collector.Collect())));

        Assert.Equal(2, parsed.Value("test_tagged_seconds_count", ("kind", "a")));
        Assert.Equal(1, parsed.Value("test_tagged_seconds_bucket", ("kind", "a"), ("le", "1")));
        Assert.Equal(1, parsed.Value("test_tagged_seconds_count", ("kind", "b")));
        Assert.DoesNotContain(parsed.All("test_tagged_seconds_count"), s => s.Labels.Count == 0); // no empty untagged series
    }

    [Fact]
    public void Collector_ListensToItsOwnMeterInstanceOnly()
    {
        using var mine = new TerminatorMetrics();
        using var theirs = new TerminatorMetrics();
        mine.Https.ConnectionAccepted();
        mine.RequestCompleted(204, System.Diagnostics.Stopwatch.GetTimestamp());
        theirs.RequestCompleted(500, System.Diagnostics.Stopwatch.GetTimestamp());

        PrometheusExposition parsed = PrometheusExposition.Parse(Encoding.UTF8.GetString(PrometheusTextFormat.Write(mine.Collect())));

        Assert.Equal(1, parsed.Value("terminator_connections_accepted_total", ("listener", "https")));
        Assert.Equal(1, parsed.Value("terminator_http_requests_total", ("status_class", "2xx")));
        Assert.Equal(0, parsed.Value("terminator_http_requests_total", ("status_class", "5xx")));
        Assert.Equal(1, parsed.Value("terminator_http_request_duration_seconds_count"));
        Assert.Equal(TerminatorMetrics.MeterName, mine.Meter.Name);
    }

    [Fact]
    public void Exposition_OfAFreshServer_HasUniqueFamilies_AllHelped_AllSourcesAtZero()
    {
        using var metrics = new TerminatorMetrics();

        PrometheusExposition parsed = PrometheusExposition.Parse(Encoding.UTF8.GetString(PrometheusTextFormat.Write(metrics.Collect())));

        Assert.All(parsed.Types.Keys, family => Assert.False(string.IsNullOrWhiteSpace(parsed.Help[family]), family));
        Assert.Equal(0, parsed.Value("terminator_log_lines_suppressed_total"));
        Assert.Equal(0, parsed.Value("terminator_log_lines_dropped_total"));
        Assert.Equal(0, parsed.Value("terminator_access_log_lines_dropped_total"));
        Assert.Empty(parsed.All("terminator_certificate_soonest_expiry_timestamp_seconds")); // nothing served: no sample, not 1970
        // The runtime's series describe the process (its collections, heap, threads), not this server: not zero.
        Assert.All(parsed.Samples.Where(s => !s.Name.StartsWith("terminator_runtime_", StringComparison.Ordinal) || s.Name == "terminator_runtime_workaround"),
            s => Assert.Equal(0, s.Value));
        Assert.Contains(parsed.Samples, s => s.Name == "terminator_runtime_memory_resident_bytes" && s.Value > 0);
    }

    [Fact]
    public void Sources_RegisteredLater_AreReadAtEachScrape()
    {
        using var metrics = new TerminatorMetrics();
        long suppressed = 0;
        metrics.Sources.LogLinesSuppressed = () => Volatile.Read(ref suppressed);
        Interlocked.Add(ref suppressed, 41);

        PrometheusExposition parsed = PrometheusExposition.Parse(Encoding.UTF8.GetString(PrometheusTextFormat.Write(metrics.Collect())));

        Assert.Equal(41, parsed.Value("terminator_log_lines_suppressed_total"));
    }

    [Theory]
    [InlineData(0d, "0")]
    [InlineData(12d, "12")]
    [InlineData(0.005, "0.005")]
    [InlineData(2.5, "2.5")]
    [InlineData(-3d, "-3")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1e20, "1E+20")]
    public void FormatValue_WholeNumbersPlain_OthersRoundTrip(double value, string expected) =>
        Assert.Equal(expected, PrometheusTextFormat.FormatValue(value));
}
