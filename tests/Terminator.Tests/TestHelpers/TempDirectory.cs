namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A scratch directory for one test (or one fixture): <c>$TMPDIR/terminator-&lt;purpose&gt;-XXXXXX</c>, removed with
/// everything in it on <see cref="Dispose"/>. The only way test code makes temporary files or directories
/// (TestSourceHygieneTests holds the sources to that), so a run leaves nothing behind in /tmp; some of what the tests
/// write there is private keys.
/// </summary>
/// <remarks>
/// Declare it before the daemon or tool that uses it (<c>using var temp = ...; await using var daemon = ...;</c>):
/// declarations are disposed in reverse order, so the directory goes after the process has stopped. Disposing never
/// throws, so it cannot hide the assertion that failed the test; a directory it could not remove is reported on
/// standard error with the reason.
/// </remarks>
public sealed class TempDirectory : IDisposable
{
    // A child process that was just stopped may have left a file in a walk's way, or a test may have left a directory
    // without write permission for its owner: a few passes fix both.
    private const int DeleteAttempts = 3;

    /// <param name="purpose">Short name in the directory's name (which test made it), e.g. <c>"demo"</c>.</param>
    public TempDirectory(string purpose)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        FullName = Directory.CreateTempSubdirectory($"terminator-{purpose}-").FullName;
    }

    /// <summary>Absolute path of the directory.</summary>
    public string FullName { get; }

    /// <summary>A path inside the directory (nothing is created).</summary>
    public string PathOf(string name) => Path.Combine(FullName, name);

    public override string ToString() => FullName;

    public void Dispose()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(FullName))
                {
                    Directory.Delete(FullName, recursive: true);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt == DeleteAttempts)
                {
                    Console.Error.WriteLine($"terminator tests: could not delete {FullName}: {e.Message}");
                    return;
                }

                MakeOwnerWritable(FullName);
            }
        }
    }

    private static void MakeOwnerWritable(string root)
    {
        const UnixFileMode OwnerAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        try
        {
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | OwnerAll);
            foreach (string directory in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(directory, File.GetUnixFileMode(directory) | OwnerAll);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next attempt reports what is still in the way.
        }
    }
}
