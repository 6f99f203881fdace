using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// <c>openssl ocsp</c> as a local OCSP responder for a <see cref="LocalCertificateAuthority"/>: the CA certificate and
/// key plus an <c>index.txt</c> marking the given certificates valid ("V") go to a temporary directory (deleted on
/// dispose), the responder signs with the CA itself, and the process is killed by its id on dispose.
/// </summary>
/// <remarks>
/// OpenSSL 3.0's <c>-port</c> takes a port number only and binds the wildcard address (it prints
/// <c>ACCEPT [::]:PORT</c>), so the responder is reachable beyond loopback for the test's few seconds; it answers only
/// for a throwaway CA. It reads its index once at start, so the certificates (whose AIA must already name the port)
/// are issued first: reserve the port with <see cref="LoopbackPorts.Reserve"/>.
/// </remarks>
public sealed class OcspResponderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly ConcurrentQueue<string> _output = new();

    private OcspResponderProcess(Process process, TempDirectory directory)
    {
        _process = process;
        _directory = directory;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the responder printed so far (one line per request it received).</summary>
    public string Output => string.Join('\n', _output);


    /// <summary>Starts the responder on <paramref name="port"/> and waits (up to <paramref name="timeout"/>) until it listens.</summary>
    public static async Task<OcspResponderProcess> StartAsync(LocalCertificateAuthority authority, IEnumerable<string> goodCertificatePems, int port, TimeSpan timeout)
    {
        var temp = new TempDirectory("ocsp");
        string directory = temp.FullName;
        OcspResponderProcess responder;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "ca.pem"), authority.CertificatePem);
            // The CA key is written mode 600 and never printed; the directory goes on dispose.
            var keyOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            await using (var key = new StreamWriter(Path.Combine(directory, "ca.key"), Encoding.ASCII, keyOptions))
            {
                await key.WriteAsync(authority.ExportPrivateKeyPem());
            }

            var index = new StringBuilder();
            foreach (string pem in goodCertificatePems)
            {
                using X509Certificate2 certificate = X509Certificate2.CreateFromPem(pem);
                // openssl ca's index format: status, expiry (YYMMDDHHMMSSZ), revocation date, serial (hex as BN_bn2hex
                // prints it: upper case, whole bytes, no leading zero bytes), file name, subject.
                string serial = certificate.SerialNumber;
                while (serial.Length > 2 && serial.StartsWith("00", StringComparison.Ordinal))
                {
                    serial = serial[2..];
                }

                index.Append($"V\t{certificate.NotAfter.ToUniversalTime():yyMMddHHmmss}Z\t\t{serial}\tunknown\t/CN={certificate.GetNameInfo(X509NameType.SimpleName, false)}\n");
            }

            await File.WriteAllTextAsync(Path.Combine(directory, "index.txt"), index.ToString());

            var info = new ProcessStartInfo("openssl")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            // -nmin 60: responses valid for an hour, so SslStream's refresh point (nextUpdate - 5 min) is not reached
            // during the test. -ignore_err: a malformed request must not end the responder.
            foreach (string argument in new[] { "ocsp", "-index", "index.txt", "-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                         "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-nmin", "60", "-ignore_err" })
            {
                info.ArgumentList.Add(argument);
            }

            responder = new OcspResponderProcess(Process.Start(info)!, temp);
        }
        catch
        {
            temp.Dispose();
            throw;
        }

        var clock = Stopwatch.StartNew();
        while (!responder._output.Any(line => line.StartsWith("ACCEPT ", StringComparison.Ordinal)))
        {
            if (responder._process.HasExited || clock.Elapsed > timeout)
            {
                string output = responder.Output;
                await responder.DisposeAsync();
                throw new InvalidOperationException($"openssl ocsp did not start listening on port {port}: {output}");
            }

            await Task.Delay(20);
        }

        return responder;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        finally
        {
            _process.Dispose();
            _directory.Dispose();
        }
    }
}
