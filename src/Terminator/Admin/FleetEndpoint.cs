using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Terminator.Admin;

/// <summary>
/// <c>GET /v1/fleet?cursor=&amp;limit=</c>: per node its last heartbeat, store lag and connection, and per certificate who
/// wrote it and when, a page at a time in id order (a million rows are never listed at once). The cursor is the last id
/// of the page, base64url-encoded so clients treat it as opaque. HEAD is answered as GET without the body.
/// </summary>
internal sealed class FleetEndpoint(IFleetView view)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>Nodes listed at most (a fleet is a few to a few hundred nodes; rows of nodes gone a week are pruned).</summary>
    public const int MaxNodes = 1000;

    private static readonly string[] s_parameters = ["cursor", "limit"];

    public async ValueTask<AdminResponse> GetAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            return AdminRequestHandler.MethodNotAllowed("GET, HEAD");
        }

        if (!AdminQuery.TryParse(request.Query, s_parameters, out Dictionary<string, string>? query, out string? reason))
        {
            return AdminResponse.Error(400, reason);
        }

        string? after = null;
        if (query.TryGetValue("cursor", out string? cursor) && !TryDecodeCursor(cursor, out after))
        {
            return AdminResponse.Error(400, "cursor is not one this API issued (pass back a nextCursor as it was received)");
        }

        int limit = DefaultPageSize;
        if (query.TryGetValue("limit", out string? limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            return AdminResponse.Error(400, $"limit must be a whole number from 1 to {MaxPageSize}");
        }

        (FleetResource? page, string? unavailable) = await view.GetAsync(after, limit, cancellationToken).ConfigureAwait(false);
        return page is null
            ? AdminResponse.Error(503, $"the fleet's database cannot answer now ({unavailable}); this node keeps serving, retry shortly")
            : AdminResponse.Of(200, page, AdminJsonContext.Default.FleetResource);
    }

    /// <summary>The cursor for a page ending with <paramref name="lastId"/>.</summary>
    public static string EncodeCursor(string lastId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastId));

    private static bool TryDecodeCursor(string cursor, out string? after)
    {
        after = null;
        if (cursor.Length is 0 or > 512)
        {
            return false;
        }

        byte[] bytes = new byte[Base64Url.GetMaxDecodedLength(cursor.Length)];
        // The OperationStatus form: TryDecodeFromChars throws on characters outside the alphabet.
        if (Base64Url.DecodeFromChars(cursor, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written == 0)
        {
            return false;
        }

        after = Encoding.UTF8.GetString(bytes, 0, written);
        return true;
    }
}
