using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>One throwaway cluster per test class, started on first use (so a class whose facts are all skipped starts
/// nothing); each test takes a database of its own from it. IAsyncLifetime, not IAsyncDisposable: xunit 2 disposes a
/// class fixture only through IDisposable or IAsyncLifetime, and a cluster left running outlives the test run.</summary>
public sealed class PostgresClusterFixture : IAsyncLifetime
{
    private readonly Lazy<Task<PostgresCluster>> _cluster = new(PostgresCluster.StartAsync);

    public Task<PostgresCluster> GetAsync() => _cluster.Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster.IsValueCreated)
        {
            await (await _cluster.Value).DisposeAsync();
        }
    }
}
