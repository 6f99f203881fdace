using System.Net;

namespace Terminator.Listener;

/// <summary>
/// Socket peers whose connections are relayed for other clients and say which (an L4 balancer sending a PROXY protocol
/// header). The listener does not count such a connection against its peer's per-client limit at accept: the balancer
/// is not one client. A pipeline step charges the client it learns instead (<see cref="ConnectionContext.TrySetClient"/>).
/// </summary>
internal interface ITrustedForwarders
{
    /// <summary>True when connections from <paramref name="peer"/> are relayed ones. Called once per accept: must not allocate.</summary>
    bool Contains(IPAddress peer);
}
