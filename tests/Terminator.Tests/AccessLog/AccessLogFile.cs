using System.Text;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.AccessLog;

/// <summary>A temporary access log file and the options that point the terminator at it.</summary>
public sealed class AccessLogFile : IDisposable
{
    private readonly TempDirectory _directory = new("access");

    public AccessLogFile() => Path = System.IO.Path.Combine(_directory.FullName, "access.log");

    public string Path { get; }

    public string Directory => _directory.FullName;

    internal AccessLogOptions Options(AccessLogFormat format = AccessLogFormat.Combined, AccessLogQueryMode query = AccessLogQueryMode.Strip) =>
        new() { Destination = AccessLogDestination.File, Path = Path, Format = format, Query = query };

    /// <summary>The complete lines written so far (a line still being written is left out).</summary>
    public IReadOnlyList<string> Lines() => LinesOf(Path);

    public static IReadOnlyList<string> LinesOf(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));
        string text = reader.ReadToEnd();
        int end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n');
    }

    /// <summary>Waits until at least <paramref name="count"/> lines are there; returns them (fails the test otherwise).</summary>
    public async Task<IReadOnlyList<string>> WaitForLinesAsync(int count, TimeSpan? timeout = null)
    {
        IReadOnlyList<string> lines = await TestHelpers.Eventually.ResultAsync(() => Task.FromResult(Lines()), l => l.Count >= count, timeout);
        Assert.True(lines.Count >= count, $"expected {count} access log lines, found {lines.Count}:\n{string.Join('\n', lines)}");
        return lines;
    }

    public void Dispose() => _directory.Dispose();
}
