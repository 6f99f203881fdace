using Npgsql;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A throwaway PostgreSQL cluster: <c>initdb</c> into a temp folder, <c>pg_ctl start</c> on a loopback port with its
/// socket in that folder (no system service, trust authentication on loopback), stopped and deleted on dispose. initdb
/// refuses to run as root, so under root (CI) every server command runs as the <c>postgres</c> system user (or
/// <c>nobody</c>) through runuser, owning the folder. The binaries come from the newest /usr/lib/postgresql/&lt;v&gt;/bin
/// (Debian's postgresql package; .ci/run installs it), or from PATH.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly string _bin;
    private readonly string? _runAs;
    private int _databases;

    private readonly TempDirectory _folder;

    private PostgresCluster(string bin, string? runAs, TempDirectory folder, int port)
    {
        _bin = bin;
        _runAs = runAs;
        _folder = folder;
        Port = port;
    }

    /// <summary>The folder holding the data directory, the socket and the server log.</summary>
    public string Folder => _folder.FullName;

    public int Port { get; }

    private string DataDirectory => Path.Combine(Folder, "data");

    private string LogFile => Path.Combine(Folder, "server.log");

    /// <summary>The folder of initdb and pg_ctl, or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            string? newest = Directory.EnumerateDirectories(root)
                .Where(d => int.TryParse(Path.GetFileName(d), out _) && File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))
                .FirstOrDefault();
            if (newest is not null)
            {
                return Path.Combine(newest, "bin");
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    /// <summary>initdb and start; throws with the tool's output when either fails.</summary>
    public static async Task<PostgresCluster> StartAsync()
    {
        string bin = FindBinaries() ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does)");
        string? runAs = null;
        var folder = new TempDirectory("pg");
        try
        {
            if (Environment.UserName == "root")
            {
                runAs = (await ToolProcess.RunAsync("id", ["-u", "postgres"])).ExitCode == 0 ? "postgres" : "nobody";
                await RunCheckedAsync("chown", [$"{runAs}:", folder.FullName]);
            }
        }
        catch
        {
            folder.Dispose();
            throw;
        }

        var cluster = new PostgresCluster(bin, runAs, folder, LoopbackPorts.Reserve());
        try
        {
            await cluster.ServerCommandAsync("initdb", ["-D", cluster.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
            await cluster.StartServerAsync();
            return cluster;
        }
        catch
        {
            // Stops a server that did start, then removes the folder.
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on the same port.</summary>
    public Task StartServerAsync() => ServerCommandAsync("pg_ctl",
    [
        "-D", DataDirectory, "-l", LogFile, "-w", "-t", "30",
        "-o", $"-p {Port} -k {Folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        "start",
    ]);

    /// <summary>pg_ctl stop -m fast: clients are disconnected at once (what a database failover looks like to a node).</summary>
    public Task StopServerAsync() => ServerCommandAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"]);

    /// <summary>A connection string to <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false;Timeout=5";

    /// <summary>A fresh, empty database (one per test keeps tests independent on a shared cluster).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..20];
        await ExecuteAsync($"CREATE DATABASE {name}");
        return name;
    }

    /// <summary>Runs SQL as the superuser.</summary>
    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ServerCommandAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped (a test stopped it and failed before starting it again).
        }

        _folder.Dispose();
    }

    private Task ServerCommandAsync(string tool, string[] arguments)
    {
        string path = Path.Combine(_bin, tool);
        return _runAs is null ? RunCheckedAsync(path, arguments) : RunCheckedAsync("runuser", ["-u", _runAs, "--", path, .. arguments]);
    }

    private static async Task RunCheckedAsync(string file, string[] arguments)
    {
        // The server's own stdout/stderr go to the log file (-l), so the tool's pipes close when pg_ctl returns.
        (int exit, string stdout, string stderr) = await ToolProcess.RunAsync(file, arguments, CommandTimeout,
            configure: info => info.WorkingDirectory = Path.GetTempPath());
        if (exit != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {exit}:\n{stdout}\n{stderr}");
        }
    }
}
