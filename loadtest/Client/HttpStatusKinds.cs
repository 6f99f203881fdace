namespace Terminator.LoadTest.Client;

/// <summary>"http 502" and friends, made once per status code rather than per failed request.</summary>
internal static class HttpStatusKinds
{
    private static readonly string[] s_kinds = Create();

    public static string Of(int status) => status is >= 100 and <= 599 ? s_kinds[status] : "http bad status line";

    private static string[] Create()
    {
        var kinds = new string[600];
        for (int status = 100; status < kinds.Length; status++)
        {
            kinds[status] = "http " + status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return kinds;
    }
}
