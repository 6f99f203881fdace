using System.Globalization;

namespace Terminator.LoadTest.Reporting;

/// <summary>Numbers as the reports print them: invariant culture, a dash for "not measured".</summary>
internal static class Figures
{
    public static string F(double value, string format = "0.0") =>
        double.IsNaN(value) || double.IsInfinity(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => F(bytes / (double)(1L << 30), "0.00") + " GiB",
        >= 1L << 20 => F(bytes / (double)(1L << 20), "0.0") + " MiB",
        >= 1L << 10 => F(bytes / (double)(1L << 10), "0.0") + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    /// <summary>JSON numbers: NaN (not measured) becomes null.</summary>
    public static double? Json(double value) => double.IsNaN(value) || double.IsInfinity(value) ? null : Math.Round(value, 3);
}
