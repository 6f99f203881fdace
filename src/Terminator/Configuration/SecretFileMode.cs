namespace Terminator.Configuration;

/// <summary>The permission check for files that hold a secret (the store key, the admin token).</summary>
internal static class SecretFileMode
{
    /// <summary>
    /// A reason when <paramref name="path"/> is readable or writable by group or others (any local account could use the
    /// secret), else null. <paramref name="what"/> names the file in the reason ("key file", "token file").
    /// </summary>
    public static string? DescribeProblem(string path, string what)
    {
        try
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            const UnixFileMode Shared = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            if ((mode & Shared) != 0)
            {
                string octal = Convert.ToString((int)mode & 0x1FF, 8);
                return $"{what} '{path}' is accessible by group or others (mode {octal}); restrict it (chmod 600)";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Already read successfully; a failed stat is not worth a second report.
        }

        return null;
    }
}
