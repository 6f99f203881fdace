using System.Buffers.Binary;
using System.Text;
using Terminator.Http;

namespace Terminator.Caching;

/// <summary>
/// The micro-cache key of a request, byte for byte as received: scheme, method, Host, the whole request target (every
/// query parameter) and the User-Agent (every User-Agent line, in order), each length-prefixed so that no two different
/// requests write the same bytes. The scheme is in it because the origin sees it (X-Forwarded-Proto) and may answer
/// http:// with a redirect that must never reach an https:// click.
/// </summary>
internal static class CacheKey
{
    private static ReadOnlySpan<byte> UserAgentName => "User-Agent"u8;

    /// <summary>The key's length for <paramref name="request"/>: rent that much and call <see cref="Write"/>.</summary>
    public static int GetLength(HttpRequestHead request)
    {
        int length = 1 + (3 * sizeof(int)) + request.Method.Length + request.Host.Length + request.Target.Length;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            if (IsUserAgent(request.GetName(i)))
            {
                length += sizeof(int) + request.GetValue(i).Length;
            }
        }

        return length;
    }

    /// <summary>Writes the key into <paramref name="destination"/> (at least <see cref="GetLength"/> bytes); returns its length.</summary>
    public static int Write(Span<byte> destination, HttpRequestHead request, bool https)
    {
        destination[0] = https ? (byte)'s' : (byte)'p';
        int position = 1;
        Append(destination, ref position, request.Method);
        Append(destination, ref position, request.Host);
        Append(destination, ref position, request.Target);
        for (int i = 0; i < request.HeaderCount; i++)
        {
            if (IsUserAgent(request.GetName(i)))
            {
                Append(destination, ref position, request.GetValue(i));
            }
        }

        return position;
    }

    private static bool IsUserAgent(ReadOnlySpan<byte> name) =>
        name.Length == UserAgentName.Length && Ascii.EqualsIgnoreCase(name, UserAgentName);

    private static void Append(Span<byte> destination, ref int position, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination[position..], value.Length);
        position += sizeof(int);
        value.CopyTo(destination[position..]);
        position += value.Length;
    }
}
