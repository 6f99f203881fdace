using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>One throwaway cluster per test class, started on first use (so a class whose facts are all skipped starts
/// nothing); each test takes a database of its own from it.</summary>
public sealed class PostgresClusterFixture : IAsyncDisposable
{
    private readonly Lazy<Task<PostgresCluster>> _cluster = new(PostgresCluster.StartAsync);

    public Task<PostgresCluster> GetAsync() => _cluster.Value;

    public async ValueTask DisposeAsync()
    {
        if (_cluster.IsValueCreated)
        {
            await (await _cluster.Value).DisposeAsync();
        }
    }
}
