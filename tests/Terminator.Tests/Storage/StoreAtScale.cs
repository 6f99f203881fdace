namespace Terminator.Tests.Storage;

/// <summary>Heavy store tests (10,000 certificates): run alone, after the parallel collections, so they neither slow
/// down nor are slowed down by the timing-sensitive end-to-end tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StoreAtScale
{
    public const string Name = "Store at scale";
}
