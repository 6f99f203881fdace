using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Terminator.Configuration;
using Terminator.Fleet;
using Terminator.Storage;

namespace Terminator.ScaleBench;

/// <summary>
/// The <c>--store postgres</c> mode's database: a PostgreSQL cluster of its own under the work folder (initdb once,
/// started for the run and stopped after; no system service), one database per store size, migrated by the daemon's own
/// code and filled with exactly the rows <c>terminator certs import</c> would write: each generated entry file's sealed
/// bytes, with its id, names, key type and not-after taken from the entry's authenticated header.
/// </summary>
/// <remarks>Rows go in through <c>COPY ... FROM STDIN (FORMAT BINARY)</c>, so the table's triggers (generation under the
/// write lock, the change notification) run for each, as for any write.</remarks>
internal sealed class PostgresScaleStore : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _folder;
    private readonly int _port;

    private PostgresScaleStore(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        _port = port;
    }

    private string DataDirectory => Path.Combine(_folder, "data");

    /// <summary>Starts the cluster under <paramref name="work"/>/pg (initdb on first use) on a free loopback port.</summary>
    public static async Task<PostgresScaleStore> StartAsync(string work, int port)
    {
        string bin = Directory.EnumerateDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderDescending()
            .FirstOrDefault() ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install -y postgresql)");
        string folder = Path.Combine(work, "pg");
        var store = new PostgresScaleStore(bin, folder, port);
        if (!Directory.Exists(store.DataDirectory))
        {
            Directory.CreateDirectory(folder);
            await RunAsync("chown", ["postgres:", folder]);
            await store.ServerAsync("initdb", ["-D", store.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        }

        // Durable settings (fsync on): the node's start-up reads, and a bench that measured an unsynced database would
        // flatter nothing the daemon does, but loading a million rows should not wait on a disk flush per batch either.
        await store.ServerAsync("pg_ctl",
        [
            "-D", store.DataDirectory, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c shared_buffers=256MB -c max_wal_size=4GB",
            "start",
        ]);
        return store;
    }

    /// <summary>What the daemon's TERMINATOR_DATABASE_URL names for <paramref name="domains"/>'s database.</summary>
    public string ConnectionString(int domains) => ConnectionString(DatabaseName(domains));

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database}";

    /// <summary>Creates and fills the database for <paramref name="domains"/> entries from <paramref name="storeDirectory"/>
    /// unless a previous run did; returns the time it took (zero when reused).</summary>
    public async Task<TimeSpan> LoadAsync(int domains, string storeDirectory, byte[] storeKey)
    {
        string database = DatabaseName(domains);
        await using (var admin = new NpgsqlConnection(ConnectionString(database: "postgres")))
        {
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin);
            exists.Parameters.AddWithValue(database);
            if (await exists.ExecuteScalarAsync() is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
        }

        await using NpgsqlDataSource source = NpgsqlDataSource.Create(ConnectionString(domains));
        await StoreSchema.MigrateAsync(source, CancellationToken.None);
        await using NpgsqlConnection connection = await source.OpenConnectionAsync();
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM certificates WHERE entry IS NOT NULL", connection))
        {
            if ((long)(await count.ExecuteScalarAsync())! == domains)
            {
                return TimeSpan.Zero;
            }
        }

        await using (var clear = new NpgsqlCommand("TRUNCATE certificates", connection))
        {
            await clear.ExecuteNonQueryAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        using StoreKey key = StoreKey.FromBytes(storeKey);
        await using (NpgsqlBinaryImporter copy = await connection.BeginBinaryImportAsync(
            "COPY certificates (id, names, key_type, not_after, entry, generation, updated_by) FROM STDIN (FORMAT BINARY)"))
        {
            int rows = 0;
            foreach (string file in Directory.EnumerateFiles(storeDirectory, "*" + DirectoryCertificateStore.FileExtension))
            {
                byte[] entry = await File.ReadAllBytesAsync(file);
                string? problem = StoreEntryFormat.TryOpen(entry, key, file, wantKey: false, out StoredCertificateInfo? info, out _, out _, readChain: false);
                if (problem is not null)
                {
                    throw new InvalidOperationException($"{file}: {problem}");
                }

                await copy.StartRowAsync();
                await copy.WriteAsync(info!.Id, NpgsqlDbType.Text);
                await copy.WriteAsync(info.Names.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                await copy.WriteAsync(info.KeyType, NpgsqlDbType.Text);
                await copy.WriteAsync(info.NotAfter.UtcDateTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(entry, NpgsqlDbType.Bytea);
                await copy.WriteAsync(0L, NpgsqlDbType.Bigint);
                await copy.WriteAsync("scale-bench", NpgsqlDbType.Text);
                if (++rows % 100_000 == 0)
                {
                    Console.Error.WriteLine($"[{domains}] {rows:N0} rows copied into PostgreSQL ({stopwatch.Elapsed.TotalSeconds:F0} s)");
                }
            }

            await copy.CompleteAsync();
        }

        await using (var analyze = new NpgsqlCommand("ANALYZE certificates", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        return stopwatch.Elapsed;
    }

    /// <summary>The database's size on disk, for the record.</summary>
    public async Task<long> DatabaseBytesAsync(int domains)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(domains));
        await connection.OpenAsync();
        await using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)(await size.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync() =>
        await ServerAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);

    private static string DatabaseName(int domains) => "scale_" + domains.ToString(CultureInfo.InvariantCulture);

    // initdb refuses root: the server's commands run as the postgres system user, who owns the folder.
    private Task ServerAsync(string tool, string[] arguments) =>
        RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments]);

    private static async Task RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}
