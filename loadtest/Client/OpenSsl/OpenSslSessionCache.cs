using static Terminator.LoadTest.Client.OpenSsl.OpenSslNative;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>
/// The last resumable session per server name (a returning browser offers the ticket it kept for that site). A session
/// is taken from a connection when it closes, after its reads have processed the server's NewSessionTicket (TLS 1.3
/// sends tickets after the handshake); the newest replaces the older one.
/// </summary>
/// <remarks>A lock rather than a concurrent dictionary: <c>SSL_set_session</c> takes its own reference, and a session
/// must not be freed by a replacing thread between the lookup and that call. Only connections that offer resumption
/// come here.</remarks>
internal sealed class OpenSslSessionCache
{
    private readonly Dictionary<string, nint> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Offers the name's session to <paramref name="ssl"/>, if there is one.</summary>
    public void Offer(string serverName, nint ssl)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(serverName, out nint session))
            {
                _ = SSL_set_session(ssl, session);
            }
        }
    }

    /// <summary>Keeps <paramref name="ssl"/>'s session for the name when it can be resumed.</summary>
    public void Keep(string serverName, nint ssl)
    {
        nint session = SSL_get1_session(ssl);
        if (session == nint.Zero)
        {
            return;
        }

        if (SSL_SESSION_is_resumable(session) != 1)
        {
            SSL_SESSION_free(session);
            return;
        }

        nint previous;
        lock (_gate)
        {
            _sessions.TryGetValue(serverName, out previous);
            _sessions[serverName] = session;
        }

        if (previous != nint.Zero && previous != session)
        {
            SSL_SESSION_free(previous);
        }
        else if (previous == session)
        {
            SSL_SESSION_free(session);   // the same session again: drop the extra reference get1 took
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            foreach (nint session in _sessions.Values)
            {
                SSL_SESSION_free(session);
            }

            _sessions.Clear();
        }
    }
}
