namespace Terminator.Tests.Http;

/// <summary>Realistic wire samples shared by the Http tests.</summary>
internal static class HttpSamples
{
    public const string ClickUserAgent =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    /// <summary>A browser following a tracked link (~700 bytes of header fields).</summary>
    public static readonly string ClickRequest =
        "GET /f/a1B2c3D4e5F6g7H8i9J0?u=kX9&l=3 HTTP/1.1\r\n" +
        "Host: Click.Example-Customer.com\r\n" +
        "Connection: keep-alive\r\n" +
        "sec-ch-ua: \"Google Chrome\";v=\"131\", \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\n" +
        "sec-ch-ua-mobile: ?0\r\n" +
        "sec-ch-ua-platform: \"Windows\"\r\n" +
        "Upgrade-Insecure-Requests: 1\r\n" +
        "User-Agent: " + ClickUserAgent + "\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n" +
        "Sec-Fetch-Site: cross-site\r\n" +
        "Sec-Fetch-Mode: navigate\r\n" +
        "Sec-Fetch-User: ?1\r\n" +
        "Sec-Fetch-Dest: document\r\n" +
        "Referer: https://mail.google.com/\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-GB,en-US;q=0.9,en;q=0.8,de;q=0.7\r\n" +
        "Cookie: _ga=GA1.1.123456789.1700000000; session=abcdef0123456789abcdef0123456789; consent=yes\r\n" +
        "\r\n";

    public static readonly byte[] ClickRequestBytes = SegmentedBuffer.Ascii(ClickRequest);
}
