using Npgsql;

namespace Terminator.Fleet;

/// <summary>
/// The shared store's schema, created and migrated by the daemon (and by <c>terminator certs</c>) at start-up. Each
/// migration runs once, in order, recorded in <c>schema_version</c>; the whole run is one transaction holding a
/// transaction-scoped advisory lock, so nodes starting together queue on the lock and each finds the schema either
/// untouched or complete (PostgreSQL DDL is transactional). Tables are created unqualified: they land in the first
/// schema of the role's search_path, the role's own schema in the set-up the README describes.
/// </summary>
/// <remarks>
/// Migration 4 shares the managed domains (with their renewal schedule) and the ACME account; migration 6 adds the
/// <c>nodes</c> table (heartbeats) and tombstone pruning.
/// Versions are strictly increasing but need not be contiguous (branches add migrations side by side): every version
/// this build knows and the database has not recorded is applied, in order. A node whose role may not create tables
/// (<c>TERMINATOR_DATABASE_MIGRATE=off</c>) only checks (<see cref="CheckAsync"/>).
/// </remarks>
internal static class StoreSchema
{
    /// <summary>Advisory lock key (pg_advisory_xact_lock, bigint space shared by the whole database) for migrations:
    /// "TRMNTR" + 1.</summary>
    public const long MigrationLock = 0x54524D4E_54520001;

    /// <summary>Advisory lock every write to <c>certificates</c> takes (in its trigger) before drawing its generation, so
    /// generations commit in order.</summary>
    public const long WriteLock = 0x54524D4E_54520002;

    /// <summary>Advisory lock every write to <c>domains</c> takes (in its trigger) before drawing its generation.</summary>
    public const long DomainWriteLock = 0x54524D4E_54520004;

    /// <summary>The managed domains' NOTIFY channel; the payload is "&lt;generation&gt; &lt;name&gt;".</summary>
    public const string DomainChannel = "terminator_domains";

    /// <summary>The NOTIFY channel; the payload is "&lt;generation&gt; &lt;id&gt;".</summary>
    public const string Channel = "terminator_certificates";

    /// <summary>The challenges' NOTIFY channel; the payload is "+|- &lt;kind&gt; &lt;name&gt; &lt;key authorization&gt;"
    /// (no field holds a space: kinds are fixed, tokens and key authorizations are base64url, names are host names).</summary>
    public const string ChallengeChannel = "terminator_challenges";

    /// <summary>Migrations by version, oldest first; never edited once released (add a new one instead).</summary>
    internal static readonly (int Version, string Description, string Sql)[] Migrations =
    [
        (1, "certificates with generations, tombstones and change notifications", $"""
            CREATE TABLE store_identity (
                only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                store_id   uuid NOT NULL DEFAULT gen_random_uuid(),
                created_at timestamptz NOT NULL DEFAULT now()
            );
            INSERT INTO store_identity DEFAULT VALUES;

            CREATE SEQUENCE certificate_generation AS bigint;

            CREATE TABLE certificates (
                id         text PRIMARY KEY,
                names      text[] NOT NULL,
                key_type   text NOT NULL,
                not_after  timestamptz NOT NULL,
                entry      bytea,
                generation bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                updated_by text NOT NULL DEFAULT ''
            );
            COMMENT ON COLUMN certificates.entry IS 'Sealed store entry (AES-256-GCM key, authenticated header); NULL = removed (tombstone)';
            CREATE UNIQUE INDEX certificates_by_generation ON certificates (generation);
            CREATE INDEX certificates_by_not_after ON certificates (not_after) WHERE entry IS NOT NULL;

            -- Every write draws its generation under one lock held to commit: generations become visible in order, so a
            -- node that has applied generation N has seen every change below N (holes from rolled-back writes aside).
            CREATE FUNCTION certificates_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock({WriteLock});
                NEW.generation := nextval('certificate_generation');
                NEW.updated_at := now();
                RETURN NEW;
            END $$;
            CREATE TRIGGER certificates_stamp BEFORE INSERT OR UPDATE ON certificates
                FOR EACH ROW EXECUTE FUNCTION certificates_stamp();

            -- Delivered at commit, in commit order, to every node listening.
            CREATE FUNCTION certificates_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{Channel}', NEW.generation::text || ' ' || NEW.id);
                RETURN NULL;
            END $$;
            CREATE TRIGGER certificates_notify AFTER INSERT OR UPDATE ON certificates
                FOR EACH ROW EXECUTE FUNCTION certificates_notify();

            -- A DELETE of a live row becomes a tombstone, so nodes that follow by generation see the removal too.
            CREATE FUNCTION certificates_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.entry IS NULL THEN
                    RETURN OLD;
                END IF;
                UPDATE certificates SET entry = NULL WHERE id = OLD.id;
                RETURN NULL;
            END $$;
            CREATE TRIGGER certificates_tombstone BEFORE DELETE ON certificates
                FOR EACH ROW EXECUTE FUNCTION certificates_tombstone();
            """),
        (2, "ACME challenges every node answers", $"""
            -- One row per challenge being answered: name is the token for http-01, the domain for tls-alpn-01. Only the
            -- key authorization is kept (what HTTP-01 serves to anyone; TLS-ALPN-01's certificate carries its SHA-256),
            -- never a key: each node builds its own throwaway TLS-ALPN-01 certificate from it.
            CREATE TABLE challenges (
                kind              text NOT NULL CHECK (kind IN ('http-01', 'tls-alpn-01')),
                name              text NOT NULL CHECK (name <> '' AND position(' ' in name) = 0),
                key_authorization text NOT NULL CHECK (key_authorization <> '' AND position(' ' in key_authorization) = 0),
                expires_at        timestamptz NOT NULL,
                created_by        text NOT NULL DEFAULT '',
                PRIMARY KEY (kind, name)
            );
            CREATE INDEX challenges_by_expiry ON challenges (expires_at);

            CREATE FUNCTION challenges_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM pg_notify('{ChallengeChannel}', '- ' || OLD.kind || ' ' || OLD.name || ' ' || OLD.key_authorization);
                ELSE
                    PERFORM pg_notify('{ChallengeChannel}', '+ ' || NEW.kind || ' ' || NEW.name || ' ' || NEW.key_authorization);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER challenges_notify AFTER INSERT OR UPDATE OR DELETE ON challenges
                FOR EACH ROW EXECUTE FUNCTION challenges_notify();
            """),
        (3, "order leases: one node orders for a domain at a time", """
            -- A node takes the row before ordering for a domain, renews it while the order runs and deletes it after; a
            -- node that dies mid-order gives it up by expiry.
            CREATE TABLE leases (
                domain     text PRIMARY KEY,
                holder     text NOT NULL,
                taken_at   timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL
            );
            """),
        (4, "managed domains with their shared renewal schedule, and the fleet's ACME accounts", $"""
            -- The fleet's managed-domain registry: every node keeps a copy (its local registry) and follows this table as it
            -- follows certificates (generations, tombstones, notifications). next_attempt, attempts and last_error are the
            -- shared schedule: a failure recorded by one node backs off every node.
            CREATE SEQUENCE domain_generation AS bigint;
            CREATE TABLE domains (
                name            text PRIMARY KEY CHECK (name <> '' AND position(' ' in name) = 0),
                removed         boolean NOT NULL DEFAULT false,
                state           smallint NOT NULL,
                key_types       smallint NOT NULL,
                added_at        timestamptz NOT NULL,
                updated_at      timestamptz NOT NULL,
                not_after       timestamptz,
                next_attempt    timestamptz,
                last_error      text,
                attempts        integer NOT NULL DEFAULT 0,
                certificate_ids text[] NOT NULL DEFAULT ARRAY[]::text[],
                issued_by       text,
                issued_at       timestamptz,
                generation      bigint NOT NULL,
                updated_by      text NOT NULL DEFAULT ''
            );
            COMMENT ON COLUMN domains.removed IS 'true = no longer managed (tombstone, so nodes following by generation see the removal)';
            CREATE UNIQUE INDEX domains_by_generation ON domains (generation);

            CREATE FUNCTION domains_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock({DomainWriteLock});
                NEW.generation := nextval('domain_generation');
                RETURN NEW;
            END $$;
            CREATE TRIGGER domains_stamp BEFORE INSERT OR UPDATE ON domains
                FOR EACH ROW EXECUTE FUNCTION domains_stamp();

            CREATE FUNCTION domains_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{DomainChannel}', NEW.generation::text || ' ' || NEW.name);
                RETURN NULL;
            END $$;
            CREATE TRIGGER domains_notify AFTER INSERT OR UPDATE ON domains
                FOR EACH ROW EXECUTE FUNCTION domains_notify();

            CREATE FUNCTION domains_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.removed THEN
                    RETURN OLD;
                END IF;
                UPDATE domains SET removed = true WHERE name = OLD.name;
                RETURN NULL;
            END $$;
            CREATE TRIGGER domains_tombstone BEFORE DELETE ON domains
                FOR EACH ROW EXECUTE FUNCTION domains_tombstone();

            -- One ACME account per CA directory for the whole fleet. The key is sealed exactly as the per-node account key
            -- file is (AES-256-GCM under the node-held store key, bound to the directory URL): never a clear key here.
            CREATE TABLE acme_accounts (
                directory   text PRIMARY KEY,
                sealed_key  bytea NOT NULL,
                account_url text,
                created_at  timestamptz NOT NULL DEFAULT now(),
                created_by  text NOT NULL DEFAULT ''
            );
            COMMENT ON COLUMN acme_accounts.sealed_key IS 'AcmeAccountKeyFile bytes: AES-256-GCM under TERMINATOR_STORE_KEY, bound to the directory URL';
            """),
        (6, "nodes with heartbeats; tombstone pruning", """
            -- One row per node process (its id is the order-lease holder: host/pid/random), upserted every few seconds; rows
            -- of nodes gone for longer than the pruning horizon are deleted by any node.
            CREATE TABLE nodes (
                id                 text PRIMARY KEY,
                host               text NOT NULL,
                version            text NOT NULL,
                started_at         timestamptz NOT NULL,
                last_heartbeat     timestamptz NOT NULL DEFAULT now(),
                applied_generation bigint NOT NULL,
                connected          boolean NOT NULL
            );
            CREATE INDEX nodes_by_heartbeat ON nodes (last_heartbeat);

            -- Tombstones older than the horizon are deleted; the highest generation ever pruned is kept here, so a node whose
            -- last applied generation is below it knows it may have missed a removal and reconciles its snapshot whole.
            ALTER TABLE store_identity ADD COLUMN tombstones_pruned_through bigint NOT NULL DEFAULT 0;
            CREATE INDEX certificates_tombstones_by_age ON certificates (updated_at) WHERE entry IS NULL;
            """),
    ];

    /// <summary>The newest version this build knows.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Advisory lock (pg_try_advisory_xact_lock) of tombstone pruning: one node prunes at a time.</summary>
    public const long PruneLock = 0x54524D4E_54520003;

    /// <summary>Brings the schema to <see cref="LatestVersion"/>; returns the versions applied by this call (empty when
    /// another node or an earlier start did it). Refuses a database migrated by a newer build. Up to date, it runs no DDL
    /// at all, so a node role without CREATE (the least-privilege set-up) gets through it too.</summary>
    /// <exception cref="NotSupportedException">The schema is newer than this build.</exception>
    public static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancellationToken).ConfigureAwait(false);
        HashSet<int>? recorded = await ReadVersionsAsync(connection, cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(recorded);
        if (recorded is not null && Missing(recorded).Count == 0)
        {
            return [];
        }

        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version     integer PRIMARY KEY,
                description text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken).ConfigureAwait(false);

        var applied = new List<int>();
        foreach ((int version, string description, string sql) in Migrations)
        {
            if (recorded is not null && recorded.Contains(version))
            {
                continue;
            }

            await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand("INSERT INTO schema_version (version, description) VALUES ($1, $2)", connection);
            record.Parameters.AddWithValue(version);
            record.Parameters.AddWithValue(description);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            applied.Add(version);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return applied;
    }

    /// <summary>
    /// For a node that does not migrate (<c>TERMINATOR_DATABASE_MIGRATE=off</c>: its role has no right to): null when the
    /// schema holds every version this build knows, else the one-line reason (behind: run <c>terminator db migrate</c>
    /// as the owner role).
    /// </summary>
    /// <exception cref="NotSupportedException">The schema is newer than this build.</exception>
    public static async Task<string?> CheckAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        HashSet<int>? recorded = await ReadVersionsAsync(connection, cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(recorded);
        if (recorded is null)
        {
            return $"the database has no Terminator schema (this build needs version {LatestVersion}) and TERMINATOR_DATABASE_MIGRATE=off: run 'terminator db migrate' as the owner role";
        }

        List<int> missing = Missing(recorded);
        return missing.Count == 0 ? null
            : $"the database schema is behind this build (missing version {string.Join(", ", missing)}; this build's latest is {LatestVersion}) and TERMINATOR_DATABASE_MIGRATE=off: run 'terminator db migrate' as the owner role";
    }

    /// <summary>The versions recorded, or null when there is no schema_version table (an empty database).</summary>
    private static async Task<HashSet<int>?> ReadVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // to_regclass resolves through the search_path as the unqualified CREATE does, and needs no privilege.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return null;
            }
        }

        var versions = new HashSet<int>();
        await using var query = new NpgsqlCommand("SELECT version FROM schema_version", connection);
        await using NpgsqlDataReader reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static void ThrowIfNewer(HashSet<int>? recorded)
    {
        int current = recorded is null || recorded.Count == 0 ? 0 : recorded.Max();
        if (current > LatestVersion)
        {
            throw new NotSupportedException($"the database schema is at version {current}, newer than this build's {LatestVersion}: upgrade this node");
        }
    }

    private static List<int> Missing(HashSet<int> recorded)
    {
        var missing = new List<int>();
        foreach ((int version, _, _) in Migrations)
        {
            if (!recorded.Contains(version))
            {
                missing.Add(version);
            }
        }

        return missing;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
