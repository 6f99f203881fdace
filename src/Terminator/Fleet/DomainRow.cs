using Npgsql;
using NpgsqlTypes;
using Terminator.Domains;

namespace Terminator.Fleet;

/// <summary>One row of the <c>domains</c> table (migration 4) and its mapping to <see cref="ManagedDomain"/>.</summary>
internal readonly record struct DomainRow(ManagedDomain Domain, bool Removed, long Generation)
{
    /// <summary>The columns <see cref="TryRead"/> expects, in order.</summary>
    public const string Columns =
        "name, removed, state, key_types, added_at, updated_at, not_after, next_attempt, last_error, attempts, certificate_ids, issued_by, issued_at, generation";

    /// <summary>Every column but <c>generation</c> (drawn by the trigger) as parameters $1..$13, then <c>updated_by</c> as $14.</summary>
    public const string Values = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14";

    /// <summary>The SET list of an upsert from <see cref="Values"/>.</summary>
    public const string Assignments =
        "removed = $2, state = $3, key_types = $4, added_at = $5, updated_at = $6, not_after = $7, next_attempt = $8, last_error = $9, " +
        "attempts = $10, certificate_ids = $11, issued_by = $12, issued_at = $13, updated_by = $14";

    /// <summary>The row at the reader's position; null (and why) when a value is not one a node writes (an edit in the
    /// database): such a row is not applied.</summary>
    public static DomainRow? TryRead(NpgsqlDataReader reader, out string? problem)
    {
        problem = null;
        string name = reader.GetString(0);
        var state = (ManagedDomainState)reader.GetInt16(2);
        var keyTypes = (ManagedKeyTypes)reader.GetInt16(3);
        if (!Enum.IsDefined(state) || keyTypes is not (ManagedKeyTypes.Ecdsa or ManagedKeyTypes.Rsa or ManagedKeyTypes.Both))
        {
            problem = $"domains row '{name}': state {(int)state} or key types {(int)keyTypes} is not one this build knows";
            return null;
        }

        if (!DomainName.TryNormalize(name, out string? normalized, out string? reason) || normalized != name)
        {
            problem = $"domains row '{name}': not a normalised host name ({reason ?? "normalises to " + normalized})";
            return null;
        }

        try
        {
            var domain = new ManagedDomain
            {
                Name = name,
                State = state,
                KeyTypes = keyTypes,
                Added = reader.GetFieldValue<DateTimeOffset>(4),
                Updated = reader.GetFieldValue<DateTimeOffset>(5),
                NotAfter = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                NextRenewal = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                LastError = reader.IsDBNull(8) ? null : reader.GetString(8),
                Attempts = reader.GetInt32(9),
                CertificateIds = reader.GetFieldValue<string[]>(10),
                IssuedBy = reader.IsDBNull(11) ? null : reader.GetString(11),
                IssuedAt = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
            };
            return new DomainRow(domain.ToStorable(), reader.GetBoolean(1), reader.GetInt64(13));
        }
        catch (ArgumentException ex)
        {
            problem = $"domains row '{name}': {ex.Message}";
            return null;
        }
    }

    /// <summary>Adds $1..$14 of <see cref="Values"/> for <paramref name="domain"/>.</summary>
    public static void AddParameters(NpgsqlCommand command, ManagedDomain domain, bool removed, string node)
    {
        command.Parameters.AddWithValue(domain.Name);
        command.Parameters.AddWithValue(removed);
        command.Parameters.AddWithValue((short)domain.State);
        command.Parameters.AddWithValue((short)domain.KeyTypes);
        command.Parameters.AddWithValue(domain.Added);
        command.Parameters.AddWithValue(domain.Updated);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)domain.NotAfter ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)domain.NextRenewal ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)domain.LastError ?? DBNull.Value });
        command.Parameters.AddWithValue(domain.Attempts);
        command.Parameters.AddWithValue(domain.CertificateIds.ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)domain.IssuedBy ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)domain.IssuedAt ?? DBNull.Value });
        command.Parameters.AddWithValue(node);
    }
}
