using Terminator.Configuration;
using Terminator.Interop;

namespace Terminator.AccessLog;

/// <summary>
/// Where the writer's bytes go: the daemon's standard output, or a file opened for appending that can be reopened by
/// name (after logrotate renamed it). Used by the writer thread only; writes are synchronous, so a reader that stops
/// reading (a full pipe, a stalled disk) blocks that thread and nothing else.
/// </summary>
internal sealed class AccessLogOutput : IDisposable
{
    private readonly Func<Stream> _open;
    private Stream _stream;

    /// <param name="open">Opens the destination; called once now and again on each <see cref="Reopen"/>.</param>
    /// <param name="reopenable">Whether <see cref="Reopen"/> means anything (a file: yes; standard output: no).</param>
    public AccessLogOutput(Func<Stream> open, bool reopenable)
    {
        _open = open;
        _stream = open();
        CanReopen = reopenable;
    }

    public bool CanReopen { get; }

    /// <summary>The configured destination: standard output, or the file at the configured path.</summary>
    public static AccessLogOutput Open(AccessLogOptions options)
    {
        if (options.Destination == AccessLogDestination.Stdout)
        {
            return new AccessLogOutput(static () => new StandardOutputStream(), reopenable: false);
        }

        string path = options.Path ?? throw new ArgumentException("an access log file needs a path", nameof(options));
        return new AccessLogOutput(() => OpenFile(path), reopenable: true);
    }

    /// <summary>
    /// Appends (created when missing); shared for reading, writing and deletion so tail, logrotate and a second
    /// process can all work on it. Unbuffered: the writer hands over whole batches of lines, one write(2) each.
    /// </summary>
    public static FileStream OpenFile(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Append,
        Access = FileAccess.Write,
        Share = FileShare.ReadWrite | FileShare.Delete,
        BufferSize = 0,
    });

    public void Write(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    /// <summary>
    /// Opens the destination again by name, then closes the old stream: lines written after this go to the new file.
    /// When the open fails the old stream stays in use and the exception is thrown to the caller (to be logged).
    /// </summary>
    public void Reopen()
    {
        if (!CanReopen)
        {
            return;
        }

        Stream fresh = _open();
        Stream old = _stream;
        _stream = fresh;
        old.Dispose();
    }

    public void Dispose() => _stream.Dispose();
}
