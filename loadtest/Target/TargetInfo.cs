using System.Net;
using Terminator.LoadTest.Client;

namespace Terminator.LoadTest.Target;

/// <summary>What the scenarios load: where, which names, how certificates are checked, and the local process to watch
/// (the demo's; null for a remote node).</summary>
internal sealed record TargetInfo(string Description, IPEndPoint EndPoint, NameSet Names, TlsSettings Tls, int? ProcessId)
{
    /// <summary>Source addresses other than the normal traffic's are usable (loopback target: 127.0.0.0/8 is all local).</summary>
    public bool CanSpreadSources => IPAddress.IsLoopback(EndPoint.Address) && EndPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
}
