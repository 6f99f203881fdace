using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.AccessLog;

/// <summary>A tracking server as an upstream script: <c>/f/...</c> clicks get a 302, <c>/q/...</c> opens the 43-byte GIF,
/// anything else a 404; keep-alive until the terminator closes.</summary>
public static class TrackingUpstream
{
    public const int GifLength = 43;

    public static ScriptedUpstream Start() => new(ServeAsync);

    private static async Task ServeAsync(UpstreamScriptConnection connection)
    {
        while (await connection.ReadRequestAsync() is { } head)
        {
            string path = head.Split(' ')[1];
            if (path.StartsWith("/f/", StringComparison.Ordinal))
            {
                await connection.SendAsync("HTTP/1.1 302 Found\r\nLocation: https://shop.example/sale\r\nContent-Length: 0\r\n\r\n");
            }
            else if (path.StartsWith("/q/", StringComparison.Ordinal))
            {
                await connection.SendAsync($"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {GifLength}\r\n\r\n");
                await connection.SendAsync(new byte[GifLength]);
            }
            else
            {
                await connection.SendAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            }
        }
    }
}
