namespace Terminator.LoadTest.Engine;

/// <summary>A named slice of a scenario's measured time ("without-abuse", "with-abuse") reported, and thresholded, on
/// its own; offsets count from the end of the warm-up.</summary>
internal sealed record StatsWindow(string Name, TimeSpan From, TimeSpan To);
