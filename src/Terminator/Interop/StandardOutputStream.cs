using System.Runtime.InteropServices;

namespace Terminator.Interop;

/// <summary>
/// The process's standard output (file descriptor 1) as a write-only stream that calls write(2) directly, for the
/// access log. Neither of the managed ways fits: <see cref="Console.OpenStandardOutput()"/> holds a process-wide lock
/// (on <see cref="Console.Out"/>) for the whole write, which stderr's console writes take too, so a standard output
/// nobody reads would stall every log line of the process; and a <see cref="FileStream"/> over descriptor 1 writes a
/// regular file with pwrite(2) at its own offset, overwriting what stderr appends when both go to one file
/// (<c>&gt; all.log 2&gt;&amp;1</c>). write(2) advances the shared offset (or appends, with O_APPEND) like every
/// other writer of the descriptor.
/// </summary>
internal sealed class StandardOutputStream : Stream
{
    private const int StandardOutput = 1;
    private const int EINTR = 4;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            nint written = write(StandardOutput, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
            if (written < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                throw new IOException($"write to standard output failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }

            buffer = buffer[(int)written..]; // a pipe may take part of a large write
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
        // Unbuffered: every Write is a write(2).
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, ref byte buffer, nuint count);
}
