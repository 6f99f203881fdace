namespace Terminator.LoadTest.Reporting;

/// <summary>report.html (charts come in the next step).</summary>
internal static class HtmlReportWriter
{
    public static string Write(RunReport report) => "<!doctype html><title>Terminator load test</title><pre>" + System.Net.WebUtility.HtmlEncode(MarkdownReportWriter.Write(report)) + "</pre>";
}
