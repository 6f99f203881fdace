using Terminator.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

/// <summary>
/// Root writing into a store another account owns (sudo terminator certs import, a certbot deploy hook) leaves files that
/// account can read: the daemon runs as User=terminator and must open every entry. Here the account is nobody (65534).
/// </summary>
public sealed class FileOwnershipTests : IDisposable
{
    private const string Nobody = "65534:65534";
    private readonly TempDirectory _root = new("owner");

    public FileOwnershipTests() => File.SetUnixFileMode(_root.FullName, (UnixFileMode)Convert.ToInt32("755", 8)); // nobody may traverse

    public void Dispose() => _root.Dispose();

    [RootFact]
    public async Task CertsImportAsRoot_IntoTheDaemonUsersStore_EntriesOwnedByThatUserAndReadableByIt()
    {
        using var context = new StoreTestContext();
        string store = Path.Combine(_root.FullName, "store");
        Directory.CreateDirectory(store, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await RunAsync("chown", Nobody, store);
        string pems = Directory.CreateDirectory(Path.Combine(_root.FullName, "pems")).FullName;
        context.Authority.Issue(["click.owner.test"]).WriteFlat(pems, "click");
        context.Authority.Issue(["open.owner.test"]).WriteFlat(pems, "open");

        (int exit, string stdout, string stderr) = await StoreCli.RunAsync(new Dictionary<string, string>
        {
            ["TERMINATOR_STORE_DIR"] = store,
            ["TERMINATOR_STORE_KEY"] = Convert.ToBase64String(context.Key.Bytes),
        }, "import", pems);

        Assert.True(exit == 0, stdout + stderr);
        string[] entries = Directory.GetFiles(store, "*" + DirectoryCertificateStore.FileExtension);
        Assert.Equal(2, entries.Length);
        // The index the import appended to belongs to the store's account too, so the daemon can rewrite it.
        string index = Path.Combine(store, StoreIndexFile.FileName);
        Assert.Equal($"{Nobody} 600", await RunAsync("stat", "-c", "%u:%g %a", index));
        foreach (string entry in entries)
        {
            Assert.EndsWith(DirectoryCertificateStore.FileExtension, entry, StringComparison.Ordinal);
            Assert.Equal($"{Nobody} 600", await RunAsync("stat", "-c", "%u:%g %a", entry));
            // What matters: the account the store belongs to can open what root wrote.
            await RunAsync("runuser", "-u", "nobody", "--", "head", "-c", "4", entry);
        }
    }

    [RootFact]
    public async Task StoreCreatedByRoot_InADirectoryTheDaemonUserOwns_TakesItsOwner()
    {
        string state = Directory.CreateDirectory(Path.Combine(_root.FullName, "state")).FullName;
        await RunAsync("chown", Nobody, state);

        using var key = Terminator.Configuration.StoreKey.Generate();
        _ = new DirectoryCertificateStore(Path.Combine(state, "store"), key);

        Assert.Equal($"{Nobody} 700", await RunAsync("stat", "-c", "%u:%g %a", Path.Combine(state, "store")));
    }

    [RootFact]
    public async Task RootsOwnStore_FilesStayRoots()
    {
        string directory = Directory.CreateDirectory(Path.Combine(_root.FullName, "own")).FullName;
        string path = Path.Combine(directory, "entry.tcert");

        AtomicFile.Write(path, "x"u8);

        Assert.Equal("0:0 600", await RunAsync("stat", "-c", "%u:%g %a", path));
    }

    private static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        (int exit, string stdout, string stderr) = await ToolProcess.RunAsync(tool, arguments);
        Assert.True(exit == 0, $"{tool} {string.Join(' ', arguments)}: {stderr}");
        return stdout.Trim();
    }
}
