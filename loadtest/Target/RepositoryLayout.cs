using System.Reflection;

namespace Terminator.LoadTest.Target;

/// <summary>Where the runner finds the daemon it built (terminator.dll, for <c>--target demo</c>) and its results folder.</summary>
internal static class RepositoryLayout
{
    /// <summary>The checkout this runner was built from (the folder holding Terminator.sln), or null when run elsewhere.</summary>
    public static string? Root()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Terminator.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    /// <summary>terminator.dll of the same configuration (the project builds it, see Terminator.LoadTest.csproj).</summary>
    public static string? DaemonDll()
    {
        string? relative = typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(static a => a.Key == "DaemonDll")?.Value;
        string? root = Root();
        return relative is null || root is null ? null : Path.Combine(root, relative);
    }

    /// <summary>loadtest/results/ (git-ignored) in a checkout, else a folder under the temp directory.</summary>
    public static string DefaultResultsFolder()
    {
        string? root = Root();
        return root is null
            ? Path.Combine(Path.GetTempPath(), "terminator-loadtest")
            : Path.Combine(root, "loadtest", "results");
    }
}
