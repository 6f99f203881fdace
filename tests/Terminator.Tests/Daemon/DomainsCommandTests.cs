using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Terminator.Domains;
using Terminator.Tests.Admin;
using Terminator.Tests.Domains;

namespace Terminator.Tests.Daemon;

/// <summary><c>terminator domains</c> as an operator runs it: the real executable against a running admin server.</summary>
public sealed class DomainsCommandTests
{
    private static Dictionary<string, string> Env(AdminServerFixture admin, string? token = null) => new()
    {
        ["TERMINATOR_ADMIN_LISTEN"] = admin.EndPoint.ToString(),
        ["TERMINATOR_ADMIN_TOKEN"] = token ?? admin.Token!,
    };

    [Fact]
    public async Task AddShowListRemove_AgainstTheApi_WithScriptableExitCodes()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();
        Dictionary<string, string> env = Env(admin);

        var added = await RunAsync(env, "add", "Click.Shop.Example");
        Assert.Equal((0, "added click.shop.example (pending, ecdsa)\n"), (added.ExitCode, added.Stdout));
        var again = await RunAsync(env, "add", "click.shop.example", "--key-type", "both");
        Assert.Equal((0, "already managed click.shop.example (pending, both)\n"), (again.ExitCode, again.Stdout));
        await admin.Registry.AddOrGetAsync("b.example");
        await admin.Registry.UpdateAsync("b.example", d => d with
        {
            State = ManagedDomainState.Failed,
            Attempts = 4,
            LastError = "urn:ietf:params:acme:error:rateLimited: too many certificates",
            NextRenewal = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero),
        });

        var show = await RunAsync(env, "show", "b.example");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("state:        failed\n", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("next renewal: 2026-03-02T00:00:00Z\n", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("not after:    -\n", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("attempts:     4\n", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("last error:   urn:ietf:params:acme:error:rateLimited: too many certificates\n", show.Stdout, StringComparison.Ordinal);

        var list = await RunAsync(env, "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(
            "b.example failed - 2026-03-02T00:00:00Z 4 error: urn:ietf:params:acme:error:rateLimited: too many certificates\n"
            + "click.shop.example pending - - 0\n",
            list.Stdout);
        var failed = await RunAsync(env, "list", "--state", "failed");
        Assert.StartsWith("b.example failed ", failed.Stdout, StringComparison.Ordinal);
        Assert.Single(failed.Stdout.TrimEnd('\n').Split('\n'));

        var removed = await RunAsync(env, "remove", "b.example", "--purge");
        Assert.Equal((0, "removed b.example; its certificates were purged\n"), (removed.ExitCode, removed.Stdout));
        Assert.Equal(new[] { ("b.example", false) }, admin.Purged);

        var gone = await RunAsync(env, "show", "b.example");
        Assert.Equal((1, "terminator domains show: b.example is not managed\n"), (gone.ExitCode, gone.Stderr));
        Assert.Equal(1, (await RunAsync(env, "remove", "b.example")).ExitCode);
        Assert.Equal(1, (await RunAsync(env, "list", "--state", "failed")).ExitCode); // nothing listed

        var wildcard = await RunAsync(env, "add", "*.shop.example");
        Assert.Equal(2, wildcard.ExitCode);
        Assert.Equal("terminator domains add: wildcards need a DNS-01 provider, which is not configured\n", wildcard.Stderr);
    }

    [Fact]
    public async Task List_FollowsCursorsToTheEnd_OrStopsAtTheLimit()
    {
        const int Count = 2345;
        await using AdminServerFixture admin = AdminServerFixture.Start(seed: dir => RegistryFolder.WriteSnapshot(dir, Count, static _ => ManagedDomainState.Valid));
        Dictionary<string, string> env = Env(admin);

        var all = await RunAsync(env, "list");
        string[] lines = all.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(Count, lines.Length);
        Assert.Equal(Count, lines.Select(l => l.Split(' ')[0]).Distinct().Count());
        Assert.StartsWith("d0000000.track.example valid 2026-04-01T00:00:00Z 2026-03-02T00:00:00Z 0", lines[0], StringComparison.Ordinal);

        var limited = await RunAsync(env, "list", "--limit", "1500");
        Assert.Equal(1500, limited.Stdout.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public async Task ConfigurationAndConnectionProblems_AreOneLineWithTheirExitCode()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();

        var wrong = await RunAsync(Env(admin, token: new string('w', 44)), "list");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("refused the token", wrong.Stderr, StringComparison.Ordinal);

        var noToken = await RunAsync(new Dictionary<string, string> { ["TERMINATOR_ADMIN_LISTEN"] = admin.EndPoint.ToString() }, "list");
        Assert.Equal((2, "terminator domains list: TERMINATOR_ADMIN_TOKEN: not set (set TERMINATOR_ADMIN_TOKEN or TERMINATOR_ADMIN_TOKEN_FILE to the daemon's admin token)\n"),
            (noToken.ExitCode, noToken.Stderr));

        var off = await RunAsync(new Dictionary<string, string> { ["TERMINATOR_ADMIN_LISTEN"] = "off", ["TERMINATOR_ADMIN_TOKEN"] = admin.Token! }, "list");
        Assert.Equal(2, off.ExitCode);

        Assert.Equal(2, (await RunAsync(Env(admin), "list", "--limit", "0")).ExitCode);
        Assert.Equal(2, (await RunAsync(Env(admin), "list", "--state", "expired")).ExitCode);
        Assert.Equal(2, (await RunAsync(Env(admin), "add")).ExitCode);

        // A port nobody listens on (bound, then released): the API cannot be reached.
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var unreachable = await RunAsync(new Dictionary<string, string> { ["TERMINATOR_ADMIN_LISTEN"] = $"127.0.0.1:{closedPort}", ["TERMINATOR_ADMIN_TOKEN"] = admin.Token! }, "list");
        Assert.Equal(3, unreachable.ExitCode);
        Assert.StartsWith($"terminator domains list: cannot reach the admin API at http://127.0.0.1:{closedPort}/", unreachable.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(admin.Token!, wrong.Stderr + unreachable.Stderr + off.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>terminator domains ...</c> (the real terminator.dll) with only the given TERMINATOR_* variables.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "terminator.dll"));
        info.ArgumentList.Add("domains");
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("TERMINATOR_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach ((string key, string value) in environment)
        {
            info.Environment[key] = value;
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
