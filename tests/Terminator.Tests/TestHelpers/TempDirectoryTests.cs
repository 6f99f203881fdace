namespace Terminator.Tests.TestHelpers;

public sealed class TempDirectoryTests
{
    [Fact]
    public void New_NamesItAfterThePurpose_UnderTheTempRoot()
    {
        using var temp = new TempDirectory("helper-name");

        Assert.True(Directory.Exists(temp.FullName));
        Assert.Equal(Path.GetFullPath(Path.GetTempPath()).TrimEnd('/'), Path.GetDirectoryName(temp.FullName));
        Assert.StartsWith("terminator-helper-name-", Path.GetFileName(temp.FullName), StringComparison.Ordinal);
        Assert.Equal(Path.Combine(temp.FullName, "ca.pem"), temp.PathOf("ca.pem"));
    }

    [Fact]
    public void Dispose_RemovesEverythingInIt_IncludingOwnerOnlyKeysAndReadOnlyFolders()
    {
        var temp = new TempDirectory("helper-dispose");
        string nested = Directory.CreateDirectory(temp.PathOf(Path.Combine("live", "site"))).FullName;
        File.WriteAllText(Path.Combine(nested, "privkey.pem"), "not a key");
        File.SetUnixFileMode(Path.Combine(nested, "privkey.pem"), UnixFileMode.UserRead);
        // A folder its owner may not write to (as a test of file modes may leave one): a plain recursive delete fails
        // on it when the tests do not run as root.
        File.SetUnixFileMode(nested, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        temp.Dispose();

        Assert.False(Directory.Exists(temp.FullName));
    }

    [Fact]
    public void Dispose_Twice_OrAfterTheTestRemovedIt_DoesNotThrow()
    {
        var temp = new TempDirectory("helper-gone");
        Directory.Delete(temp.FullName);

        temp.Dispose();
        temp.Dispose();

        Assert.False(Directory.Exists(temp.FullName));
    }
}
