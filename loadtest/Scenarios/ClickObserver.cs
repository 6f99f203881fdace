using System.Security.Cryptography.X509Certificates;

namespace Terminator.LoadTest.Scenarios;

/// <summary>Called once per click with its SNI, its start (a Stopwatch timestamp), the certificate the server presented
/// (null when the handshake did not complete) and its error kind (null: the expected 302).</summary>
internal delegate void ClickObserver(string name, long startTimestamp, X509Certificate? serverCertificate, string? error);
