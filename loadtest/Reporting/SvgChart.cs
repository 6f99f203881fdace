using System.Globalization;
using System.Net;
using System.Text;

namespace Terminator.LoadTest.Reporting;

/// <summary>
/// A line chart as an inline SVG string: x = measured seconds, y from 0 to a rounded maximum, a legend, and shaded
/// bands for named windows (e.g. "with-abuse"). Written by hand so producing the report needs no browser and no
/// package; any browser renders it.
/// </summary>
internal static class SvgChart
{
    private const int Width = 720;
    private const int Height = 260;
    private const int Left = 60;
    private const int Right = 16;
    private const int Top = 28;
    private const int Bottom = 36;

    public static string Render(string title, string unit, IReadOnlyList<ChartSeries> series, IReadOnlyList<(string Name, double From, double To)> bands)
    {
        double maxX = 1, maxY = 0;
        foreach (ChartSeries line in series)
        {
            foreach ((double x, double y) in line.Points)
            {
                maxX = Math.Max(maxX, x);
                if (!double.IsNaN(y))
                {
                    maxY = Math.Max(maxY, y);
                }
            }
        }

        maxY = NiceCeiling(maxY);
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        string X(double x) => Num(Left + x / maxX * plotWidth);
        string Y(double y) => Num(Top + plotHeight - y / maxY * plotHeight);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{Encode(title)}</text>");
        foreach ((string name, double from, double to) in bands)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{X(from)}\" y=\"{Top}\" width=\"{Num((Math.Min(to, maxX) - from) / maxX * plotWidth)}\" height=\"{Num(plotHeight)}\" fill=\"#f4e3c1\" opacity=\"0.6\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(from)}\" y=\"{Top + 12}\" fill=\"#8a6d3b\">&#160;{Encode(name)}</text>");
        }

        for (int i = 0; i <= 4; i++)
        {
            double value = maxY * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(value)}\" y2=\"{Y(value)}\" stroke=\"#ddd\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Y(value)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Figures.F(value, value >= 10 ? "0" : "0.##")}</text>");
        }

        int step = Math.Max(1, (int)NiceCeiling(maxX / 8));
        for (int x = 0; x <= maxX; x += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(x)}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{x}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotWidth / 2}\" y=\"{Height - 4}\" text-anchor=\"middle\">measured seconds</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{Top + plotHeight / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {Top + plotHeight / 2})\">{Encode(unit)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Num(plotWidth)}\" height=\"{Num(plotHeight)}\" fill=\"none\" stroke=\"#999\"/>");

        double legendX = Left + 200;
        foreach (ChartSeries line in series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{Path(line, X, Y)}\" fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"1.6\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Num(legendX)}\" y=\"8\" width=\"10\" height=\"10\" fill=\"{line.Color}\"/><text x=\"{Num(legendX + 14)}\" y=\"17\">{Encode(line.Name)}</text>");
            legendX += 24 + line.Name.Length * 6.5;
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>"M x y L x y ..." with a new M after every gap (NaN).</summary>
    private static string Path(ChartSeries line, Func<double, string> x, Func<double, string> y)
    {
        var path = new StringBuilder();
        bool pen = false;
        foreach ((double px, double py) in line.Points)
        {
            if (double.IsNaN(py))
            {
                pen = false;
                continue;
            }

            path.Append(pen ? " L" : " M").Append(x(px)).Append(' ').Append(y(py));
            pen = true;
        }

        return path.ToString().Trim();
    }

    /// <summary>1, 2, 2.5 or 5 times a power of ten, at least <paramref name="value"/> (and at least 1).</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 1)
        {
            return 1;
        }

        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double factor in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (factor * magnitude >= value)
            {
                return factor * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
